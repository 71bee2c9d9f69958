import { z } from 'zod';
import { createTRPCRouter, editorProcedure, viewerProcedure } from '@/server/api/trpc';
import { callerName } from '@/server/auth/caller';
import { cancelFlowRun } from '@/server/execution/cancel';
import { decideApproval } from '@/server/execution/decide';
import { retryFlowRun } from '@/server/execution/retry-run';
import { startFlowRun } from '@/server/execution/start';
import {
  findTaskRun,
  getFlowRun,
  listFlowRuns,
  listForEachItems,
  listRunLogs,
} from '@/server/runs/queries';
import {
  decideInput,
  itemsInput,
  listRunsInput,
  retryRunInput,
  runIdSchema,
  runLogsInput,
  startRunInput,
  taskRunInput,
} from '@/server/runs/schemas';
import { engineDeps } from '@/server/worker';

const byId = z.object({ id: runIdSchema });

export const runsRouter = createTRPCRouter({
  start: editorProcedure
    .input(startRunInput)
    .mutation(({ ctx, input }) =>
      startFlowRun(engineDeps(ctx.runtime), { ...input, trigger: input.trigger ?? 'api' }),
    ),
  get: viewerProcedure.input(byId).query(({ ctx, input }) => getFlowRun(ctx.runtime.db, input.id)),
  list: viewerProcedure
    .input(listRunsInput)
    .query(({ ctx, input }) => listFlowRuns(ctx.runtime.db, input ?? {})),
  logs: viewerProcedure
    .input(runLogsInput)
    .query(({ ctx, input }) => listRunLogs(ctx.runtime.db, input)),
  cancel: editorProcedure
    .input(byId)
    .mutation(({ ctx, input }) => cancelFlowRun(engineDeps(ctx.runtime), input.id)),
  /** Approve or reject a waiting approval task. */
  decide: editorProcedure
    .input(decideInput)
    .mutation(({ ctx, input }) =>
      decideApproval(engineDeps(ctx.runtime), { ...input, decidedBy: callerName(ctx.caller) }),
    ),
  /** The run a task run belongs to (for "cached from" links). */
  taskRun: viewerProcedure
    .input(taskRunInput)
    .query(({ ctx, input }) => findTaskRun(ctx.runtime.db, input.id)),
  items: viewerProcedure
    .input(itemsInput)
    .query(({ ctx, input }) => listForEachItems(ctx.runtime.db, input)),
  retry: editorProcedure
    .input(retryRunInput)
    .mutation(({ ctx, input }) =>
      retryFlowRun(engineDeps(ctx.runtime), { runId: input.id, fromNodeId: input.fromNodeId }),
    ),
});
