import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCaller } from '@/server/api/root';
import { systemContext } from '@/server/api/trpc';
import { type Booted, bootRuntime } from '@/server/boot';
import { overrideEnv } from '@/server/env';
import { loadTaskTypes } from '@/server/tasks/custom';
import { builtinRunners } from '@/server/tasks/runners';
import { startWorker } from '@/server/worker';
import { repoRoot } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

// A folder of custom types: the shipped example, plus one written here.
const dir = mkdtempSync(path.join(repoRoot, '.pipewright-test-tasks-'));
copyFileSync(
  path.join(repoRoot, 'server/tasks/examples/word-count.ts'),
  path.join(dir, 'word-count.ts'),
);
writeFileSync(
  path.join(dir, 'shout.ts'),
  `import { z } from 'zod';
import { defineTask } from 'pipewright/tasks';
export default defineTask({
  type: 'shout',
  title: 'Shout',
  config: z.object({ text: z.string() }),
  run: ({ config, inputs }) => ({ loud: config.text.toUpperCase() + '!', from: Object.keys(inputs) }),
});
`,
);
writeFileSync(path.join(dir, 'broken.ts'), 'export default {;\n');
writeFileSync(
  path.join(dir, 'clash.ts'),
  `import { z } from 'zod';
export const again = { type: 'http', title: 'Mine', config: z.object({}), run: () => 1 };
`,
);

let tdb: TestDatabase;
let booted: Booted;
before(async () => {
  tdb = await createTestDatabase();
  overrideEnv({ PIPEWRIGHT_TASKS_DIR: dir });
  booted = await bootRuntime({ worker: true, databaseUrl: tdb.url, log: () => {} });
});
after(async () => {
  await booted.shutdown();
  await tdb.drop();
  rmSync(dir, { recursive: true, force: true });
});

const flow = {
  version: 1,
  name: 'Custom types',
  nodes: [
    { id: 'text', type: 'code', config: { source: 'return "the cat saw the other cat";' } },
    { id: 'count', type: 'word-count', config: { text: '{{ nodes.text.output }}', top: 2 } },
    { id: 'yell', type: 'shout', config: { text: 'done' } },
  ],
  edges: [
    { source: 'text', target: 'count' },
    { source: 'count', target: 'yell' },
  ],
};

/** Polls the run until it completes or fails (15 s at most). */
async function runToEnd(api: ReturnType<typeof createCaller>, id: string) {
  const deadline = Date.now() + 15_000;
  let run = await api.runs.get({ id });
  while (!['completed', 'failed'].includes(run.state) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    run = await api.runs.get({ id });
  }
  return run;
}

describe('custom task types', () => {
  test('load from the folder; broken or clashing files are reported by name, not silently skipped', async () => {
    const types = await loadTaskTypes({ allowShell: false, dir });
    assert.deepEqual(types.loaded.map((t) => t.type).sort(), ['shout', 'word-count']);
    assert.ok(types.problems.some((p) => p.includes('broken.ts') && p.includes('failed to load')));
    assert.ok(
      types.problems.some((p) => p.includes('clash.ts') && p.includes('"http" is already defined')),
    );
  });

  test('appear in the palette, validate in documents and run', async () => {
    const api = createCaller(systemContext(booted.runtime));
    const palette = await api.catalog.list();
    const wordCount = palette.find((t) => t.type === 'word-count');
    assert.equal(wordCount?.category, 'Custom');
    assert.equal(wordCount?.title, 'Word count');
    assert.deepEqual((wordCount!.configSchema as { required?: string[] }).required, ['text']);

    await assert.rejects(
      api.flows.import({
        document: {
          ...flow,
          name: 'bad',
          nodes: [{ id: 'c', type: 'word-count', config: { top: 2 } }],
          edges: [],
        },
      }),
      /node "c" config\.text/,
    );
    const { flow: saved } = await api.flows.import({ document: flow });
    const { id } = await api.runs.start({ flowId: saved.id });
    const run = await runToEnd(api, id);
    assert.equal(
      run.state,
      'completed',
      JSON.stringify(run.tasks.map((t) => [t.nodeId, t.state, t.stateReason])),
    );
    const count = run.tasks.find((t) => t.nodeId === 'count')!;
    assert.deepEqual(count.output, {
      words: 6,
      distinct: 4,
      top: [
        { word: 'cat', count: 2 },
        { word: 'the', count: 2 },
      ],
    });
    assert.deepEqual(run.tasks.find((t) => t.nodeId === 'yell')!.output, {
      loud: 'DONE!',
      from: ['count'],
    });
  });

  test('a flow using a type this worker does not have fails, naming the type', async () => {
    await booted.worker!.stop();
    const plain = await startWorker(booted.runtime, () => {}, { runners: builtinRunners });
    booted.worker = plain;
    const api = createCaller(systemContext(booted.runtime));
    const { flow: saved } = await api.flows.import({ document: { ...flow, name: 'Needs shout' } });
    const { id } = await api.runs.start({ flowId: saved.id });
    const run = await runToEnd(api, id);
    assert.equal(run.state, 'failed');
    assert.match(
      run.tasks.find((t) => t.nodeId === 'count')!.stateReason ?? '',
      /no worker here can run task type "word-count"/,
    );
  });
});
