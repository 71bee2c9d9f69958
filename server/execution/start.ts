import { inTransaction, type Transaction } from '@/db/client';
import type { RunTrigger } from '@/db/schema';
import type { FlowDocument } from '@/server/engine/document';
import { ParamsError, resolveParams } from '@/server/engine/params';
import type { FlowRunState } from '@/server/engine/states';
import { InvalidInputError, NotFoundError } from '@/server/errors';
import { advanceFlowRun, type FlowRunRow } from './advance';
import type { EngineDeps } from './deps';
import { TASK_QUEUE } from './deps';
import { loadVersionDocument } from './documents';
import type { StartedHere } from './handoff';
import { findRunSource, insertFlowRun, insertLaunchRows } from './start-statements';

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
  // A worker of this process may take the first tasks: claimed in this
  // transaction, they start the moment it commits (StartedHere).
  const here: { tasks: StartedHere | null } = { tasks: null };
  let runId: string;
  try {
    runId = await inTransaction(deps.db, async (t) => {
      here.tasks = deps.handOffStart(t);
      const id = await insertAndLaunch(t, deps, input);
      await here.tasks?.claim();
      return id;
    });
  } catch (err) {
    here.tasks?.abandon();
    throw err;
  }
  here.tasks?.start();
  deps.wakeLocal(TASK_QUEUE);
  return { id: runId };
}

/** The flow run and everything launching it writes, in the start's transaction. */
async function insertAndLaunch(t: Transaction, deps: EngineDeps, input: StartFlowRunInput) {
  const { flow, version, doc, params } = await resolveRunSource(t, input);
  const timeout = doc.settings?.timeoutSeconds;
  const run = await insertFlowRun(t, {
    flowId: flow.id,
    flowVersionId: version.id,
    params,
    trigger: input.trigger,
    triggeredBy: input.triggeredBy ?? null,
    refreshCache: input.refreshCache ?? false,
    parentTaskRunId: input.parentTaskRunId ?? null,
    deadlineAt: timeout ? new Date(Date.now() + timeout * 1000) : null,
  });
  await launchFlowRun(t, deps, run, doc, null, `started by ${input.trigger}`);
  return run.id;
}

/**
 * The flow, the version to run (pinned, else the latest) and its document,
 * and the parameters checked against it with defaults filled in. Throws
 * NotFoundError / InvalidInputError naming what is wrong.
 */
export async function resolveRunSource(
  t: Transaction,
  input: { flowId: string; version?: number | null; params?: Record<string, unknown> },
) {
  const pinned = input.version ?? undefined;
  const source = await findRunSource(t, input.flowId, pinned);
  if (!source) throw new NotFoundError('Flow', input.flowId);
  const flow = { id: source.flowId, name: source.flowName };
  if (source.versionId === null || source.version === null) {
    throw new NotFoundError('Version', `${pinned} of flow "${flow.name}"`);
  }
  const version = { id: source.versionId, version: source.version };
  const { doc } = await loadVersionDocument(t.tx, version.id);
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
  const tasks = await insertLaunchRows(t, run.id, doc.nodes, fromState, reason);
  await advanceFlowRun(t, deps, run, [], tasks);
}
