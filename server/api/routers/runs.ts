import { z } from 'zod';
import { assertReadsRun, runReadProcedure } from '@/server/api/run-access';
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
  runTaskInput,
  runTaskValueInput,
  startRunInput,
  taskRunInput,
} from '@/server/runs/schemas';
import { getRunProgress, getRunSummary } from '@/server/runs/summary';
import { getTaskDetail, getTaskValue } from '@/server/runs/task-detail';
import { whyNotRunning } from '@/server/runs/why';
import { engineDeps } from '@/server/worker';

const byId = z.object({ id: runIdSchema });

export const runsRouter = createTRPCRouter({
  start: editorProcedure.input(startRunInput).mutation(({ ctx, input }) =>
    startFlowRun(engineDeps(ctx.runtime), {
      ...input,
      trigger: input.trigger ?? 'api',
      triggeredBy: callerName(ctx.caller),
    }),
  ),
  /** Reads of the run page take an optional `share` token (see run-access.ts). */
  get: runReadProcedure.input(byId).query(({ ctx, input }) => {
    assertReadsRun(ctx.reader, input.id);
    return getFlowRun(ctx.runtime.db, input.id);
  }),
  /** What the live run page draws: states, attempts, timings; no outputs or configs. */
  summary: runReadProcedure.input(byId).query(({ ctx, input }) => {
    assertReadsRun(ctx.reader, input.id);
    return getRunSummary(ctx.runtime.db, input.id);
  }),
  /** A run's state and count of state changes: the live page's cheap backstop poll. */
  progress: runReadProcedure.input(byId).query(({ ctx, input }) => {
    assertReadsRun(ctx.reader, input.id);
    return getRunProgress(ctx.runtime.db, input.id);
  }),
  /** One task in full for its panel (big values are left for `taskValue`). */
  task: runReadProcedure.input(runTaskInput).query(({ ctx, input }) => {
    assertReadsRun(ctx.reader, input.runId);
    return getTaskDetail(ctx.runtime.db, input);
  }),
  /** A task's whole output or resolved config, however big. */
  taskValue: runReadProcedure.input(runTaskValueInput).query(({ ctx, input }) => {
    assertReadsRun(ctx.reader, input.runId);
    return getTaskValue(ctx.runtime.db, input);
  }),
  list: viewerProcedure
    .input(listRunsInput)
    .query(({ ctx, input }) => listFlowRuns(ctx.runtime.db, input ?? {})),
  logs: runReadProcedure.input(runLogsInput).query(({ ctx, input }) => {
    assertReadsRun(ctx.reader, input.runId);
    return listRunLogs(ctx.runtime.db, input);
  }),
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
  items: runReadProcedure.input(itemsInput).query(async ({ ctx, input }) => {
    if (ctx.reader.mode === 'share') {
      const forEach = await findTaskRun(ctx.runtime.db, input.taskRunId);
      assertReadsRun(ctx.reader, forEach.flowRunId);
    }
    return listForEachItems(ctx.runtime.db, input);
  }),
  /** Why a waiting run (and each waiting task) is not running, worked out now. */
  why: runReadProcedure.input(byId).query(({ ctx, input }) => {
    assertReadsRun(ctx.reader, input.id);
    return whyNotRunning(ctx.runtime.db, input.id);
  }),
  retry: editorProcedure.input(retryRunInput).mutation(({ ctx, input }) =>
    retryFlowRun(engineDeps(ctx.runtime), {
      runId: input.id,
      fromNodeId: input.fromNodeId,
      triggeredBy: callerName(ctx.caller),
    }),
  ),
});
