import { DEFAULT_FOR_EACH_CONCURRENCY } from '../orchestration';
import type { TaskRunner } from '../runner';
import { PermanentTaskError } from '../runner';

interface ForEachConfig {
  items: unknown;
  task: { type: string; config?: Record<string, unknown> };
  concurrency?: number;
  continueOnError?: boolean;
}

/** How item results come back when the for-each task resumes. */
export interface ForEachState {
  kind: 'for-each';
  count: number;
  items?: { index: number; state: string; output: unknown; error: string | null }[];
}

const MAX_ITEMS = 10_000;

export const forEachRunner: TaskRunner<ForEachConfig> = {
  type: 'for-each',
  async run(ctx) {
    const state = ctx.resumed?.state as ForEachState | undefined;
    if (state?.items) {
      const failed = state.items.filter((i) => i.state !== 'completed' && i.state !== 'cached');
      for (const item of failed) {
        ctx.log('warn', `item ${item.index} ${item.state}${item.error ? `: ${item.error}` : ''}`);
      }
      if (failed.length > 0 && !ctx.config.continueOnError) {
        // Name the item that caused it, not a sibling cancelled because of it.
        const first = failed.find((i) => i.state !== 'cancelled') ?? failed[0]!;
        throw new PermanentTaskError(
          `${failed.length} of ${state.count} items did not complete; item ${first.index} ${first.state}${first.error ? `: ${first.error}` : ''}`,
        );
      }
      ctx.log('info', `${state.count - failed.length} of ${state.count} items completed`);
      // In order; an item that failed (with continueOnError) is null.
      return {
        output: state.items
          .sort((a, b) => a.index - b.index)
          .map((i) => (i.state === 'completed' || i.state === 'cached' ? i.output : null)),
      };
    }
    const items = ctx.config.items;
    if (!Array.isArray(items)) {
      throw new PermanentTaskError(
        `items must be a list, got ${items === null ? 'null' : typeof items}${typeof items === 'string' ? ` ("${items.slice(0, 60)}")` : ''}`,
      );
    }
    if (items.length > MAX_ITEMS) {
      throw new PermanentTaskError(
        `${items.length} items is over the limit of ${MAX_ITEMS} per for-each`,
      );
    }
    if (items.length === 0) {
      ctx.log('info', 'no items');
      return { output: [] };
    }
    return {
      fanOut: {
        items,
        reason: `running ${items.length} "${ctx.config.task.type}" tasks, ${ctx.config.concurrency ?? DEFAULT_FOR_EACH_CONCURRENCY} at a time`,
      },
    };
  },
};
