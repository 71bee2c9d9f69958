/**
 * "Who started it", recorded on the run (`flow_runs.triggered_by`) by every
 * way of starting one through the API: a signed-in person (session), a
 * program or the CLI with an API key (the key's user), a retry or re-run
 * (whoever pressed it), a webhook ("webhook"). Share links record who
 * minted them. Against a real database and worker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { flowRuns, runShares } from '@/db/schema';
import { createCaller } from '@/server/api/root';
import { contextFor, createRequestContext } from '@/server/api/trpc';
import { createApiKey } from '@/server/auth/api-keys';
import { getAuth } from '@/server/auth/auth';
import type { Caller } from '@/server/auth/caller';
import { overrideEnv } from '@/server/env';
import { startRunFromWebhook } from '@/server/webhooks/trigger';
import { engineDeps } from '@/server/worker';
import { startTestEngine, type TestEngine } from '../helpers/engine';

let engine: TestEngine;
let flowId: string;

before(async () => {
  overrideEnv({ PIPEWRIGHT_AUTH_SECRET: 'a-test-secret-that-is-long-enough-for-better-auth' });
  engine = await startTestEngine();
  const { flow } = await engine.api.flows.import({
    document: {
      version: 1,
      name: 'Started by',
      params: { ok: { type: 'boolean', default: false } },
      nodes: [
        // Fails unless params.ok: a failed run to retry.
        {
          id: 'check',
          type: 'code',
          position: { x: 0, y: 0 },
          config: { source: 'if (!params.ok) throw new Error("not ok"); return 1;' },
        },
      ],
      edges: [],
    },
  });
  flowId = flow.id;
});

after(async () => {
  await engine?.close();
});

const startedBy = async (runId: string) =>
  (
    await engine.tdb.db
      .select({ trigger: flowRuns.trigger, by: flowRuns.triggeredBy })
      .from(flowRuns)
      .where(eq(flowRuns.id, runId))
  )[0];

const person = (name: string, email: string): Caller => ({
  kind: 'user',
  user: { id: `user-${email}`, name, email },
  role: 'editor',
  via: 'session',
});

describe('who started a run', () => {
  test('a signed-in person: their name (their email when they have no name)', async () => {
    const ada = createCaller(contextFor(engine.booted.runtime, person('Ada Lovelace', 'ada@x.io')));
    const { id } = await ada.runs.start({ flowId, params: { ok: true }, trigger: 'manual' });
    assert.deepEqual(await startedBy(id), { trigger: 'manual', by: 'Ada Lovelace' });
    const nameless = createCaller(contextFor(engine.booted.runtime, person('', 'grace@x.io')));
    const other = await nameless.runs.start({ flowId, params: { ok: true } });
    assert.deepEqual(await startedBy(other.id), { trigger: 'api', by: 'grace@x.io' });
  });

  test("an API key (programs, the CLI): the key's user", async () => {
    const { user } = await getAuth(engine.booted.runtime).api.signUpEmail({
      body: {
        name: 'Katherine Johnson',
        email: 'kj@example.com',
        password: 'correct horse battery',
      },
    });
    const { key } = await createApiKey(engine.tdb.db, { userId: user.id, name: 'ci' });
    const request = new Request('http://127.0.0.1/api/trpc/runs.start', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
    });
    const cli = createCaller(await createRequestContext(request, engine.booted.runtime));
    const { id } = await cli.runs.start({ flowId, params: { ok: true }, trigger: 'cli' });
    assert.deepEqual(await startedBy(id), { trigger: 'cli', by: 'Katherine Johnson' });
  });

  test('a retry and a re-run from a node: whoever asked, not who started the first run', async () => {
    const ada = createCaller(contextFor(engine.booted.runtime, person('Ada Lovelace', 'ada@x.io')));
    const bob = createCaller(contextFor(engine.booted.runtime, person('Bob Builder', 'bob@x.io')));
    const { id } = await ada.runs.start({ flowId, params: {} });
    assert.equal((await engine.waitForRun(id)).state, 'failed');
    const retry = await bob.runs.retry({ id });
    assert.deepEqual(await startedBy(retry.id), { trigger: 'retry', by: 'Bob Builder' });
    await engine.waitForRun(retry.id);
    const rerun = await ada.runs.retry({ id: retry.id, fromNodeId: 'check' });
    assert.deepEqual(await startedBy(rerun.id), { trigger: 'retry', by: 'Ada Lovelace' });
    await engine.waitForRun(rerun.id);
  });

  test('a webhook: "webhook"', async () => {
    const { token } = await engine.api.flows.webhook.get({ flowId });
    const { runId } = await startRunFromWebhook(engineDeps(engine.booted.runtime), token, {
      ok: true,
    });
    assert.deepEqual(await startedBy(runId), { trigger: 'webhook', by: 'webhook' });
    await engine.waitForRun(runId);
  });

  test('a share link records who minted it', async () => {
    const ada = createCaller(contextFor(engine.booted.runtime, person('Ada Lovelace', 'ada@x.io')));
    const { id } = await ada.runs.start({ flowId, params: { ok: true } });
    const share = await ada.shares.create({ runId: id });
    const [row] = await engine.tdb.db
      .select({ createdBy: runShares.createdBy })
      .from(runShares)
      .where(eq(runShares.id, share.id));
    assert.equal(row?.createdBy, 'Ada Lovelace');
    assert.equal((await ada.shares.list({ runId: id }))[0]?.createdBy, 'Ada Lovelace');
    await engine.waitForRun(id);
  });
});
