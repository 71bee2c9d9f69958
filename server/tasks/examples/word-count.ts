import { defineTask } from 'pipewright/tasks';
import { z } from 'zod';

/**
 * An example custom task type. Point PIPEWRIGHT_TASKS_DIR at a folder with
 * files like this one (inside your Pipewright checkout, so `zod` and
 * `pipewright/tasks` resolve) and restart: the type appears in the palette.
 */
export default defineTask({
  type: 'word-count',
  title: 'Word count',
  description: 'Counts the words of a text and lists the most frequent ones.',
  icon: '¶',
  config: z.object({
    text: z.string().min(1, 'is required'),
    top: z.number().int().min(1).max(100).default(3),
  }),
  defaults: { text: '{{ nodes.fetch.output.body }}', top: 3 },
  run({ config, log }) {
    const words = config.text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
    const counts = new Map<string, number>();
    for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
    const top = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, config.top)
      .map(([word, count]) => ({ word, count }));
    log('info', `${words.length} words, ${counts.size} distinct`);
    return { words: words.length, distinct: counts.size, top };
  },
});
