import { CodeError } from '@/server/sandbox';
import type { TaskRunner } from '../runner';
import { PermanentTaskError, TaskTimeoutError } from '../runner';

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

export const codeRunner: TaskRunner<{ source: string; language?: 'javascript' | 'typescript' }> = {
  type: 'code',
  async run(ctx) {
    try {
      const result = await ctx.sandbox.run(
        {
          source: ctx.config.source,
          language: ctx.config.language ?? 'javascript',
          inputs: ctx.inputs,
          params: ctx.params,
          timeoutMs: ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          signal: ctx.signal,
        },
        (line) => ctx.log(line.level, line.message),
      );
      return { output: result.output };
    } catch (err) {
      if (err instanceof CodeError) {
        if (err.kind === 'timeout') throw new TaskTimeoutError(err.message);
        if (err.kind === 'syntax' || err.kind === 'output')
          throw new PermanentTaskError(err.message);
        if (err.userStack) ctx.log('error', err.userStack);
      }
      throw err;
    }
  },
};
