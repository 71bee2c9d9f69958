import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { type DbOrTx, inTransaction, type Transaction } from '@/db/client';
import { flowRuns, flows, flowVersions, type RunTrigger, taskRuns } from '@/db/schema';
import type { FlowDocument } from '@/server/engine/document';
import { ParamsError, resolveParams } from '@/server/engine/params';
import type { FlowRunState } from '@/server/engine/states';
import { InvalidInputError, NotFoundError } from '@/server/errors';
import { advanceFlowRun, type FlowRunRow } from './advance';
import type { EngineDeps } from './deps';
import { TASK_QUEUE } from './deps';
import { loadVersionDocument } from './documents';
import { recordTransitions } from './transitions';

export interface StartFlowRunInput {
  flowId: string;
  /** A pinned version; the latest when absent. */
  version?: number;
  params?: Record<string, unknown>;
  trigger: RunTrigger;
  triggeredBy?: string | null;
  refreshCache?: boolean;
  parentTaskRunId?: string | null;
}

/**
 * Starts a run: the flow run, one task run per node and the jobs of the
 * tasks that can start at once, all in ONE transaction — a run is never
 * half-started. Parameters are checked against the flow's definitions.
 */
export async function startFlowRun(deps: EngineDeps, input: StartFlowRunInput) {
  const runId = await inTransaction(deps.db, async (t) => {
    const { tx } = t;
    const { flow, version, doc, params } = await resolveRunSource(tx, input);
    const now = new Date();
    const timeout = doc.settings?.timeoutSeconds;
    const [run] = await tx
      .insert(flowRuns)
      .values({
        flowId: flow.id,
        flowVersionId: version.id,
        state: 'pending',
        params,
        trigger: input.trigger,
        triggeredBy: input.triggeredBy ?? null,
        refreshCache: input.refreshCache ?? false,
        parentTaskRunId: input.parentTaskRunId ?? null,
        deadlineAt: timeout ? new Date(now.getTime() + timeout * 1000) : null,
      })
      .returning();
    await launchFlowRun(t, deps, run!, doc, null, `started by ${input.trigger}`);
    return run!.id;
  });
  deps.wakeLocal(TASK_QUEUE);
  return { id: runId };
}

/**
 * The flow, the version to run (pinned, else the latest) and its document,
 * and the parameters checked against it with defaults filled in. Throws
 * NotFoundError / InvalidInputError naming what is wrong.
 */
export async function resolveRunSource(
  tx: DbOrTx,
  input: { flowId: string; version?: number | null; params?: Record<string, unknown> },
) {
  const [flow] = await tx
    .select()
    .from(flows)
    .where(and(eq(flows.id, input.flowId), isNull(flows.deletedAt)));
  if (!flow) throw new NotFoundError('Flow', input.flowId);
  const pinned = input.version ?? undefined;
  const [version] = await tx
    .select({ id: flowVersions.id, version: flowVersions.version })
    .from(flowVersions)
    .where(
      and(
        eq(flowVersions.flowId, flow.id),
        pinned === undefined ? undefined : eq(flowVersions.version, pinned),
      ),
    )
    .orderBy(desc(flowVersions.version))
    .limit(1);
  if (!version) throw new NotFoundError('Version', `${pinned} of flow "${flow.name}"`);
  const { doc } = await loadVersionDocument(tx, version.id);
  if (doc.nodes.length === 0) {
    throw new InvalidInputError(`"${flow.name}" has no tasks to run; add a task and save first`);
  }
  let params: Record<string, unknown>;
  try {
    params = resolveParams(doc, input.params ?? {});
  } catch (err) {
    if (err instanceof ParamsError) {
      throw new InvalidInputError(
        err.message,
        err.issues.map((i) => ({ path: `params.${i.param}`, message: i.message })),
      );
    }
    throw err;
  }
  return { flow, version, doc, params };
}

/**
 * Gives a flow run (inserted Pending, or just promoted from Scheduled, by
 * the caller in this transaction) one task run per node, records the
 * transitions, dispatches what can start and announces the run. The
 * caller's transaction makes it all-or-nothing.
 */
export async function launchFlowRun(
  t: Transaction,
  deps: EngineDeps,
  run: FlowRunRow,
  doc: FlowDocument,
  fromState: FlowRunState | null,
  reason: string,
): Promise<void> {
  const { tx } = t;
  const inserted = await tx
    .insert(taskRuns)
    .values(
      doc.nodes.map((node) => ({
        flowRunId: run.id,
        nodeId: node.id,
        nodeType: node.type,
        state: 'pending' as const,
      })),
    )
    .returning({ id: taskRuns.id });
  await recordTransitions(tx, [
    { flowRunId: run.id, fromState, toState: 'pending', reason },
    ...inserted.map((task) => ({
      flowRunId: run.id,
      taskRunId: task.id,
      fromState: null,
      toState: 'pending',
    })),
  ]);
  await advanceFlowRun(t, deps, run);
  await tx.execute(
    sql`select pg_notify('pipewright_run', ${JSON.stringify({ runId: run.id, state: 'pending' })})`,
  );
}
