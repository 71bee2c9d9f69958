import { and, desc, eq, isNull, notInArray, sql } from 'drizzle-orm';
import { flowRuns, flows, flowVersions, taskRuns } from '@/db/schema';
import { InvalidInputError, NotFoundError } from '@/server/errors';
import { flowIdSchema } from '@/server/flows/schemas';
import { type ChildRunService, PermanentTaskError } from '@/server/tasks/runner';
import type { EngineDeps } from './deps';
import { startFlowRun } from './start';

const TERMINAL = ['completed', 'failed', 'cancelled', 'crashed'] as const;

/** The subflow type's window onto runs, bound to one task run. */
export function childRunService(deps: EngineDeps, parentTaskRunId: string): ChildRunService {
  return {
    async start({ flow, version, params }) {
      const [live] = await deps.db
        .select({ id: flowRuns.id })
        .from(flowRuns)
        .where(
          and(
            eq(flowRuns.parentTaskRunId, parentTaskRunId),
            notInArray(flowRuns.state, [...TERMINAL]),
          ),
        )
        .orderBy(desc(flowRuns.createdAt))
        .limit(1);
      if (live) return { runId: live.id, adopted: true };

      const byId = flowIdSchema.safeParse(flow).success;
      const [target] = await deps.db
        .select({ id: flows.id })
        .from(flows)
        .where(
          and(
            isNull(flows.deletedAt),
            byId ? eq(flows.id, flow) : sql`lower(${flows.name}) = lower(${flow.trim()})`,
          ),
        );
      if (!target) throw new PermanentTaskError(`no flow with ${byId ? 'id' : 'name'} "${flow}"`);
      try {
        const { id } = await startFlowRun(deps, {
          flowId: target.id,
          version,
          params: params ?? {},
          trigger: 'subflow',
          parentTaskRunId,
        });
        return { runId: id, adopted: false };
      } catch (err) {
        // A bad version or bad parameters will not get better on retry.
        if (err instanceof InvalidInputError || err instanceof NotFoundError) {
          throw new PermanentTaskError(`subflow "${flow}": ${err.message}`);
        }
        throw err;
      }
    },

    async get(runId) {
      const [run] = await deps.db
        .select({
          id: flowRuns.id,
          state: flowRuns.state,
          stateReason: flowRuns.stateReason,
          flowName: flows.name,
          version: flowVersions.version,
          document: flowVersions.document,
        })
        .from(flowRuns)
        .innerJoin(flows, eq(flows.id, flowRuns.flowId))
        .innerJoin(flowVersions, eq(flowVersions.id, flowRuns.flowVersionId))
        .where(eq(flowRuns.id, runId));
      if (!run) return null;
      const hasDownstream = new Set(run.document.edges.map((e) => e.source));
      const sinks = run.document.nodes.map((n) => n.id).filter((id) => !hasDownstream.has(id));
      const rows = await deps.db
        .select({ nodeId: taskRuns.nodeId, output: taskRuns.output, state: taskRuns.state })
        .from(taskRuns)
        .where(eq(taskRuns.flowRunId, runId));
      const outputs: Record<string, unknown> = {};
      for (const row of rows) {
        if (sinks.includes(row.nodeId) && (row.state === 'completed' || row.state === 'cached')) {
          outputs[row.nodeId] = row.output;
        }
      }
      return {
        id: run.id,
        flowName: run.flowName,
        version: run.version,
        state: run.state,
        stateReason: run.stateReason,
        outputs,
      };
    },
  };
}
