import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { flowNotifications } from '@/db/schema';
import { overrideEnv } from '@/server/env';
import { notifyRunLate } from '@/server/notifications/enqueue';
import { startTestEngine, type TestEngine } from '../helpers/engine';
import { json, startHttpServer, type TestServer } from '../helpers/http-server';

let engine: TestEngine;
before(async () => {
  // Two quick retries, so "retried, then given up" fits in a test.
  overrideEnv({ PIPEWRIGHT_NOTIFY_RETRIES: '2', PIPEWRIGHT_NOTIFY_RETRY_DELAY: '1' });
  engine = await startTestEngine();
});
after(() => engine.close());

let counter = 0;
async function importFlow(source: string) {
  const { flow } = await engine.api.flows.import({
    document: {
      version: 1,
      name: `notified ${++counter}`,
      nodes: [{ id: 'work', type: 'code', config: { source } }],
      edges: [],
    },
  });
  return flow;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function subscription(id: string) {
  const [row] = await engine.tdb.db
    .select()
    .from(flowNotifications)
    .where(eq(flowNotifications.id, id));
  return row!;
}

type SlackMessage = { text: string; blocks: { type: string }[] };
const messages = (server: TestServer) =>
  server.requests.map((r) => JSON.parse(r.body) as SlackMessage);

describe('run notifications', () => {
  test('a failed run sends a Slack-style message with the reason and the run link', async () => {
    const receiver = await startHttpServer((_req, res) => json(res, 200, { ok: true }));
    const success = await startHttpServer((_req, res) => json(res, 200, { ok: true }));
    try {
      const flow = await importFlow('throw new Error("disk full");');
      const onFailure = await engine.api.notifications.create({
        flowId: flow.id,
        url: `${receiver.url}/slack`,
        events: ['failure'],
      });
      const onSuccess = await engine.api.notifications.create({
        flowId: flow.id,
        url: `${success.url}/slack`,
        events: ['success'],
      });
      const { id: runId } = await engine.api.runs.start({ flowId: flow.id });
      const run = await engine.waitForRun(runId);
      assert.equal(run.state, 'failed');

      await until('the failure message', async () => (receiver.requests.length ? true : undefined));
      const [message] = messages(receiver);
      assert.equal(receiver.requests[0]!.method, 'POST');
      assert.equal(receiver.requests[0]!.url, '/slack');
      assert.match(message!.text, new RegExp(`^❌ ${flow.name} failed: .*disk full`));
      assert.ok(message!.text.endsWith(`/runs/${runId}`), message!.text);
      assert.ok(message!.blocks.some((b) => b.type === 'actions'));

      const delivered = await until('the delivery record', async () => {
        const row = await subscription(onFailure.id);
        return row.lastDeliveryStatus === 'delivered' ? row : undefined;
      });
      assert.equal(delivered.lastDeliveryRunId, runId);
      assert.equal(delivered.lastDeliveryAttempts, 1);

      // The success-only subscription stays quiet on a failure.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(success.requests.length, 0);
      assert.equal((await subscription(onSuccess.id)).lastDeliveryAt, null);
      assert.equal(receiver.requests.length, 1, 'one run, one message');
    } finally {
      await receiver.close();
      await success.close();
    }
  });

  test('a completed run notifies success subscribers with its duration', async () => {
    const receiver = await startHttpServer((_req, res) => json(res, 200, { ok: true }));
    try {
      const flow = await importFlow('return 1;');
      await engine.api.notifications.create({
        flowId: flow.id,
        url: receiver.url,
        events: ['failure', 'success'],
      });
      const { id: runId } = await engine.api.runs.start({ flowId: flow.id });
      assert.equal((await engine.waitForRun(runId)).state, 'completed');
      await until('the success message', async () => (receiver.requests.length ? true : undefined));
      const [message] = messages(receiver);
      assert.match(message!.text, new RegExp(`^✅ ${flow.name} completed in \\d+ (ms|s)`));
      assert.ok(message!.text.endsWith(`/runs/${runId}`));
    } finally {
      await receiver.close();
    }
  });

  test('a receiver answering 500 is retried with backoff, then given up; the run is untouched', async () => {
    const receiver = await startHttpServer((_req, res) => json(res, 500, { error: 'down' }));
    try {
      const flow = await importFlow('throw new Error("nope");');
      const sub = await engine.api.notifications.create({
        flowId: flow.id,
        url: receiver.url,
        events: ['failure'],
      });
      const { id: runId } = await engine.api.runs.start({ flowId: flow.id });
      const ended = await engine.waitForRun(runId);
      assert.equal(ended.state, 'failed');

      const failed = await until(
        'the delivery to be given up',
        async () => {
          const row = await subscription(sub.id);
          return row.lastDeliveryStatus === 'failed' ? row : undefined;
        },
        45_000,
      );
      // The first try and PIPEWRIGHT_NOTIFY_RETRIES (2) more, then no more.
      assert.equal(failed.lastDeliveryAttempts, 3);
      assert.match(failed.lastDeliveryError ?? '', /answered 500/);
      assert.equal(receiver.requests.length, 3);
      const gaps = receiver.requests.slice(1).map((r, i) => r.at - receiver.requests[i]!.at);
      assert.ok(
        gaps.every((gap) => gap >= 900),
        `retries wait (gaps ${gaps.join(', ')} ms)`,
      );
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(receiver.requests.length, 3, 'nothing after giving up');

      const after = await engine.api.runs.get({ id: runId });
      assert.equal(after.state, 'failed');
      assert.equal(after.stateReason, ended.stateReason);
      assert.deepEqual(after.endedAt, ended.endedAt);
    } finally {
      await receiver.close();
    }
  });

  test('notifyRunLate tells late subscribers once per run', async () => {
    const receiver = await startHttpServer((_req, res) => json(res, 200, { ok: true }));
    try {
      const flow = await importFlow('return 1;');
      await engine.api.notifications.create({
        flowId: flow.id,
        url: receiver.url,
        events: ['late'],
      });
      const { id: runId } = await engine.api.runs.start({ flowId: flow.id });
      await engine.waitForRun(runId);
      const deps = engine.booted.runtime;
      const reason = 'scheduled for 02:00, not started after 5 min';
      assert.equal(await notifyRunLate(deps, { flowId: flow.id, runId, reason }), 1);
      // A repeated check of the same run queues nothing new.
      await notifyRunLate(deps, { flowId: flow.id, runId, reason });
      await until('the late message', async () => (receiver.requests.length ? true : undefined));
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(receiver.requests.length, 1);
      const [message] = messages(receiver);
      assert.equal(
        message!.text,
        `⏰ ${flow.name} is late: ${reason} — ${message!.text.split(' — ').pop()}`,
      );
      assert.ok(message!.text.endsWith(`/runs/${runId}`));
    } finally {
      await receiver.close();
    }
  });

  test('subscriptions are validated and managed through notifications.*', async () => {
    const flow = await importFlow('return 1;');
    await assert.rejects(
      engine.api.notifications.create({
        flowId: flow.id,
        url: 'ftp://example.test/x',
        events: ['failure'],
      }),
      (err: { code?: string; message: string }) =>
        err.code === 'BAD_REQUEST' && /http/.test(err.message),
    );
    await assert.rejects(
      engine.api.notifications.create({ flowId: flow.id, url: 'http://127.0.0.1:9/x', events: [] }),
      { code: 'BAD_REQUEST' },
    );
    const created = await engine.api.notifications.create({
      flowId: flow.id,
      url: 'http://127.0.0.1:9/x',
      events: ['failure', 'failure', 'late'],
    });
    assert.deepEqual(created.events, ['failure', 'late']);
    const updated = await engine.api.notifications.update({ id: created.id, events: ['success'] });
    assert.deepEqual(updated.events, ['success']);
    assert.deepEqual(
      (await engine.api.notifications.list({ flowId: flow.id })).map((n) => n.id),
      [created.id],
    );
    await engine.api.notifications.delete({ id: created.id });
    assert.equal((await engine.api.notifications.list({ flowId: flow.id })).length, 0);
    await assert.rejects(engine.api.notifications.delete({ id: created.id }), {
      code: 'NOT_FOUND',
    });
  });
});
