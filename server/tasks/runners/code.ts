import { CodeError } from '@/server/sandbox';
import type { EarlyRunContext, TaskRunner } from '../runner';
import { PermanentTaskError, TaskTimeoutError } from '../runner';

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const ITEM_KEY = '__pipewright_item__';
const INDEX_KEY = '__pipewright_index__';

/**
 * Inside a for-each, code sees `item` and `index` as variables. They travel
 * in `inputs` under reserved keys and are unpacked by a prefix kept on the
 * first line, so error positions in the user's code stay on their lines.
 */
function withItem(
  source: string,
  inputs: Record<string, unknown>,
  item: { value: unknown; index: number } | undefined,
) {
  if (!item) return { source, inputs };
  return {
    source: `const item = inputs.${ITEM_KEY}, index = inputs.${INDEX_KEY}; delete inputs.${ITEM_KEY}; delete inputs.${INDEX_KEY}; ${source}`,
    inputs: { ...inputs, [ITEM_KEY]: item.value, [INDEX_KEY]: item.index },
  };
}

type CodeConfig = { source: string; language?: 'javascript' | 'typescript' };

/** Runs the code in the sandbox, which has no I/O: it may start early (TaskRunner.early). */
async function runCode(ctx: EarlyRunContext<CodeConfig>) {
  const { source, inputs } = withItem(ctx.config.source, ctx.inputs, ctx.item);
  try {
    const result = await ctx.sandbox.run(
      {
        source,
        language: ctx.config.language ?? 'javascript',
        inputs,
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
      if (err.kind === 'syntax' || err.kind === 'output') throw new PermanentTaskError(err.message);
      if (err.userStack) ctx.log('error', err.userStack);
    }
    throw err;
  }
}

export const codeRunner: TaskRunner<CodeConfig> = { type: 'code', run: runCode, early: runCode };
