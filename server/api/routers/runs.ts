import { z } from 'zod';
import { createTRPCRouter, publicProcedure } from '@/server/api/trpc';
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
  runTaskInput,
  runTaskValueInput,
  startRunInput,
  taskRunInput,
} from '@/server/runs/schemas';
import { getRunProgress, getRunSummary } from '@/server/runs/summary';
import { getTaskDetail, getTaskValue } from '@/server/runs/task-detail';
import { engineDeps } from '@/server/worker';

const byId = z.object({ id: runIdSchema });

export const runsRouter = createTRPCRouter({
  start: publicProcedure
    .input(startRunInput)
    .mutation(({ ctx, input }) =>
      startFlowRun(engineDeps(ctx.runtime), { ...input, trigger: input.trigger ?? 'api' }),
    ),
  get: publicProcedure.input(byId).query(({ ctx, input }) => getFlowRun(ctx.runtime.db, input.id)),
  /** What the live run page draws: states, attempts, timings; no outputs or configs. */
  summary: publicProcedure
    .input(byId)
    .query(({ ctx, input }) => getRunSummary(ctx.runtime.db, input.id)),
  /** A run's state and count of state changes: the live page's cheap backstop poll. */
  progress: publicProcedure
    .input(byId)
    .query(({ ctx, input }) => getRunProgress(ctx.runtime.db, input.id)),
  /** One task in full for its panel (big values are left for `taskValue`). */
  task: publicProcedure
    .input(runTaskInput)
    .query(({ ctx, input }) => getTaskDetail(ctx.runtime.db, input)),
  /** A task's whole output or resolved config, however big. */
  taskValue: publicProcedure
    .input(runTaskValueInput)
    .query(({ ctx, input }) => getTaskValue(ctx.runtime.db, input)),
  list: publicProcedure
    .input(listRunsInput)
    .query(({ ctx, input }) => listFlowRuns(ctx.runtime.db, input ?? {})),
  logs: publicProcedure
    .input(runLogsInput)
    .query(({ ctx, input }) => listRunLogs(ctx.runtime.db, input)),
  cancel: publicProcedure
    .input(byId)
    .mutation(({ ctx, input }) => cancelFlowRun(engineDeps(ctx.runtime), input.id)),
  /** Approve or reject a waiting approval task. */
  decide: publicProcedure
    .input(decideInput)
    .mutation(({ ctx, input }) => decideApproval(engineDeps(ctx.runtime), input)),
  /** The run a task run belongs to (for "cached from" links). */
  taskRun: publicProcedure
    .input(taskRunInput)
    .query(({ ctx, input }) => findTaskRun(ctx.runtime.db, input.id)),
  items: publicProcedure
    .input(itemsInput)
    .query(({ ctx, input }) => listForEachItems(ctx.runtime.db, input)),
  retry: publicProcedure
    .input(retryRunInput)
    .mutation(({ ctx, input }) =>
      retryFlowRun(engineDeps(ctx.runtime), { runId: input.id, fromNodeId: input.fromNodeId }),
    ),
});
