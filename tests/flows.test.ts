import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TRPCError } from '@trpc/server';
import { createCaller } from '@/server/api/root';
import { systemContext } from '@/server/api/trpc';
import type { Runtime } from '@/server/runtime';
import { builtinCatalog } from '@/server/tasks/catalog';
import { createTestDatabase, type TestDatabase } from './helpers/db';

let tdb: TestDatabase;
let api: ReturnType<typeof createCaller>;

before(async () => {
  tdb = await createTestDatabase();
  // The flows router needs only the database and the catalog.
  const runtime = { db: tdb.db, catalog: builtinCatalog } as unknown as Runtime;
  api = createCaller(systemContext(runtime));
});
after(() => tdb.drop());

const backup = {
  version: 1 as const,
  name: 'Daily backup',
  description: "Copy yesterday's exports to the archive",
  params: { source: { type: 'string' as const, default: '/data/in' } },
  settings: { maxConcurrency: 4, timeoutSeconds: 3600 },
  nodes: [
    {
      id: 'list',
      type: 'code',
      name: 'List files',
      position: { x: 0, y: 0 },
      config: { source: 'return [1, 2, 3];' },
      retry: { retries: 3, delaySeconds: 2, backoff: 'exponential' as const, jitter: 0.2 },
      cache: { enabled: true, ttlSeconds: 3600 },
      timeoutSeconds: 30,
    },
    {
      id: 'post',
      type: 'http',
      name: 'Report',
      position: { x: 250, y: 0 },
      config: { method: 'POST', url: '{{ params.reportUrl }}', body: '{{ nodes.list.output }}' },
    },
  ],
  edges: [{ source: 'list', target: 'post' }],
};

async function rejects(promise: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TRPCError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('flows router', () => {
  test('import then export returns the same document', async () => {
    const { flow } = await api.flows.import({ document: backup });
    assert.deepEqual(await api.flows.export({ id: flow.id }), backup);
  });

  test('create, update and version history', async () => {
    const flow = await api.flows.create({ name: 'Nightly report' });
    const v1 = await api.flows.get({ id: flow.id });
    assert.equal(v1.version.version, 1);
    assert.deepEqual(v1.version.document.nodes, []);

    const doc2 = { ...backup, name: 'Nightly report' };
    const saved = await api.flows.update({
      id: flow.id,
      baseVersion: 1,
      document: doc2,
      message: 'Add nodes',
    });
    assert.equal(saved.version.version, 2);

    const history = await api.flows.versions({ id: flow.id });
    assert.deepEqual(
      history.map((v) => [v.version, v.message, v.nodeCount]),
      [
        [2, 'Add nodes', 2],
        [1, 'Created', 0],
      ],
    );
    // Old versions stay readable exactly as saved.
    assert.deepEqual((await api.flows.get({ id: flow.id, version: 1 })).version.document.nodes, []);
    assert.deepEqual(await api.flows.export({ id: flow.id, version: 2 }), doc2);
  });

  test('saving over a newer version is a conflict and writes nothing', async () => {
    const flow = await api.flows.create({ name: 'Shared flow' });
    const doc = { ...backup, name: 'Shared flow' };
    await api.flows.update({ id: flow.id, baseVersion: 1, document: doc });
    await rejects(
      api.flows.update({ id: flow.id, baseVersion: 1, document: { ...doc, description: 'mine' } }),
      'CONFLICT',
      /saved by someone else \(now version 2; you started from version 1\)/,
    );
    assert.equal((await api.flows.versions({ id: flow.id })).length, 2);
  });

  test('an invalid document is refused with the node and field named', async () => {
    const bad = {
      ...backup,
      nodes: [backup.nodes[0], { ...backup.nodes[1], config: { url: 'nope' } }],
    };
    await assert.rejects(api.flows.import({ document: bad }), (err: unknown) => {
      assert.ok(err instanceof TRPCError);
      assert.equal(err.code, 'BAD_REQUEST');
      assert.match(err.message, /node "post" config\.url: must start with http/);
      return true;
    });
    const cyclic = { ...backup, edges: [...backup.edges, { source: 'post', target: 'list' }] };
    await rejects(
      api.flows.import({ document: cyclic }),
      'BAD_REQUEST',
      /cycle: list → post → list/,
    );
  });

  test('rename, duplicate and delete', async () => {
    const flow = await api.flows.create({ name: 'Original' });
    await rejects(
      api.flows.create({ name: 'original' }),
      'CONFLICT',
      /A flow named "original" already exists/,
    );

    const renamed = await api.flows.rename({ id: flow.id, name: 'Renamed' });
    assert.equal(renamed.name, 'Renamed');
    assert.equal(renamed.latestVersion, 2);
    assert.equal((await api.flows.export({ id: flow.id })).name, 'Renamed');

    const copy = await api.flows.duplicate({ id: flow.id });
    const copy2 = await api.flows.duplicate({ id: flow.id });
    assert.equal(copy.name, 'Renamed (copy)');
    assert.equal(copy2.name, 'Renamed (copy 2)');

    await api.flows.delete({ id: flow.id });
    await rejects(api.flows.get({ id: flow.id }), 'NOT_FOUND', /was not found/);
    const names = (await api.flows.list()).map((f) => f.name);
    assert.ok(!names.includes('Renamed'));
    assert.ok(names.includes('Renamed (copy)'));
    // The name is free again once the flow is deleted.
    await api.flows.create({ name: 'Renamed' });
  });

  test('importing the same document twice keeps both, with distinct names', async () => {
    const doc = { ...backup, name: 'Twice' };
    const a = await api.flows.import({ document: doc });
    const b = await api.flows.import({ document: doc });
    assert.equal(a.flow.name, 'Twice');
    assert.equal(b.flow.name, 'Twice (imported)');
  });

  test('list searches by name', async () => {
    await api.flows.create({ name: 'Searchable 100%' });
    const found = await api.flows.list({ search: '100%' });
    assert.deepEqual(
      found.map((f) => f.name),
      ['Searchable 100%'],
    );
  });

  test('bad input names the field', async () => {
    await rejects(api.flows.create({ name: '   ' }), 'BAD_REQUEST', /Name is required/);
    await rejects(api.flows.get({ id: 'not-a-uuid' }), 'BAD_REQUEST', /is not a flow id/);
  });
});
