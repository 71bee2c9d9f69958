import type { TaskRunner } from '../runner';
import { PermanentTaskError } from '../runner';

interface SubflowConfig {
  flow: string;
  version?: number;
  params?: Record<string, unknown>;
}

export interface SubflowState {
  kind: 'subflow';
  childRunId: string;
}

export const subflowRunner: TaskRunner<SubflowConfig> = {
  type: 'subflow',
  async run(ctx) {
    const previous = ctx.resumed?.state as SubflowState | undefined;
    if (previous?.childRunId) {
      const child = await ctx.childRuns.get(previous.childRunId);
      if (!child) throw new PermanentTaskError(`child run ${previous.childRunId} is gone`);
      if (child.state === 'completed') {
        ctx.log(
          'info',
          `subflow "${child.flowName}" v${child.version} completed (run ${child.id})`,
        );
        return { output: { runId: child.id, state: child.state, outputs: child.outputs } };
      }
      if (child.state === 'failed' || child.state === 'cancelled' || child.state === 'crashed') {
        throw new PermanentTaskError(
          `subflow "${child.flowName}" run ${child.id} ${child.state}${child.stateReason ? `: ${child.stateReason}` : ''}`,
        );
      }
      // Woken early (a stray or duplicate resume): keep waiting.
      return {
        suspend: {
          until: null,
          state: previous,
          reason: `waiting for subflow run ${child.id} (${child.state})`,
        },
      };
    }
    const { runId, adopted } = await ctx.childRuns.start({
      flow: ctx.config.flow,
      version: ctx.config.version,
      params: ctx.config.params,
    });
    ctx.log('info', `${adopted ? 'continuing to wait for' : 'started'} subflow run ${runId}`);
    const state: SubflowState = { kind: 'subflow', childRunId: runId };
    return { suspend: { until: null, state, reason: `waiting for subflow run ${runId}` } };
  },
};
