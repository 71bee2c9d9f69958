import type { TaskRunner } from '../runner';

export const branchRunner: TaskRunner<{ condition: string }> = {
  type: 'branch',
  async run(ctx) {
    const result = await ctx.sandbox.evaluate(
      ctx.config.condition,
      { inputs: ctx.inputs, params: ctx.params },
      Math.min(ctx.timeoutMs ?? 10_000, 10_000),
    );
    const taken = result ? 'true' : 'false';
    ctx.log('info', `condition ${ctx.config.condition} is ${taken}`);
    return { output: { result, taken }, branch: taken };
  },
};
