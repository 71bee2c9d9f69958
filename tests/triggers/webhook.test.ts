import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { handleWebhookRequest, MAX_WEBHOOK_BODY_BYTES } from '@/server/webhooks/http';
import { engineDeps } from '@/server/worker';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';

let engine: TestEngine;
before(async () => {
  engine = await startTestEngine();
});
after(() => engine.close());

let counter = 0;
async function flowWithParams() {
  const { flow } = await engine.api.flows.import({
    document: {
      version: 1,
      name: `hooked ${++counter}`,
      params: {
        count: { type: 'number', required: true },
        label: { type: 'string', default: 'none' },
      },
      nodes: [{ id: 'echo', type: 'code', config: { source: 'return params;' } }],
      edges: [],
    },
  });
  return flow;
}

const ORIGIN = 'http://127.0.0.1:4555';

/** Calls the webhook handler the route serves, with a real Request. */
async function post(token: string, body?: string, init: RequestInit = {}) {
  const response = await handleWebhookRequest(
    engineDeps(engine.booted.runtime),
    token,
    new Request(`${ORIGIN}/api/hooks/${token}`, { method: 'POST', body, ...init }),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('flow webhooks', () => {
  test('a POST starts a run with the body as parameters, recorded as a webhook run', async () => {
    const flow = await flowWithParams();
    const hook = await engine.api.flows.webhook.get({ flowId: flow.id });
    assert.match(hook.token, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(hook.url.endsWith(`/api/hooks/${hook.token}`), hook.url);
    // Asking again gives the same token.
    assert.equal((await engine.api.flows.webhook.get({ flowId: flow.id })).token, hook.token);

    const res = await post(hook.token, JSON.stringify({ count: 3, label: 'nightly' }), {
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const runId = res.body.runId as string;
    assert.equal(res.body.runUrl, `${ORIGIN}/runs/${runId}`);
    const run = await engine.waitForRun(runId);
    assert.equal(run.state, 'completed');
    assert.equal(run.trigger, 'webhook');
    assert.deepEqual(taskOf(run, 'echo').output, { count: 3, label: 'nightly' });
    const listed = await engine.api.runs.list({ flowId: flow.id, trigger: 'webhook' });
    assert.deepEqual(
      listed.runs.map((r) => r.id),
      [runId],
    );
  });

  test('an empty body means no parameters (defaults apply, required ones are named)', async () => {
    const { flow } = await engine.api.flows.import({
      document: {
        version: 1,
        name: `no params ${++counter}`,
        params: { label: { type: 'string', default: 'plain' } },
        nodes: [{ id: 'echo', type: 'code', config: { source: 'return params.label;' } }],
        edges: [],
      },
    });
    const { token } = await engine.api.flows.webhook.get({ flowId: flow.id });
    const ok = await post(token);
    assert.equal(ok.status, 201);
    assert.equal(taskOf(await engine.waitForRun(ok.body.runId as string), 'echo').output, 'plain');

    const needs = await flowWithParams();
    const hook = await engine.api.flows.webhook.get({ flowId: needs.id });
    const missing = await post(hook.token, '');
    assert.equal(missing.status, 400);
    assert.equal(missing.body.field, 'count');
    assert.match(String(missing.body.error), /count.*required/);
  });

  test('a bad body is a 400 naming the field, and starts nothing', async () => {
    const flow = await flowWithParams();
    const { token } = await engine.api.flows.webhook.get({ flowId: flow.id });

    const badJson = await post(token, '{"count": 3,');
    assert.equal(badJson.status, 400);
    assert.equal(badJson.body.field, 'body');
    assert.match(String(badJson.body.error), /not valid JSON/);

    const notObject = await post(token, '[1, 2]');
    assert.equal(notObject.status, 400);
    assert.equal(notObject.body.field, 'body');
    assert.match(String(notObject.body.error), /JSON object.*an array/);

    const wrongType = await post(token, JSON.stringify({ count: 'three' }));
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.body.field, 'count');
    assert.match(String(wrongType.body.error), /must be a number/);

    const unknown = await post(token, JSON.stringify({ count: 1, colour: 'red' }));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.field, 'colour');
    assert.match(String(unknown.body.error), /colour.*not a parameter/);

    // Text PostgreSQL cannot store (a NUL character) is the caller's mistake, not a 500.
    const nul = await post(token, JSON.stringify({ count: 1, label: 'a\u0000b' }));
    assert.equal(nul.status, 400);
    assert.equal(nul.body.field, 'label');
    assert.match(String(nul.body.error), /label/);

    const huge = await post(
      token,
      JSON.stringify({ count: 1, label: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES) }),
    );
    assert.equal(huge.status, 413);

    const runs = await engine.api.runs.list({ flowId: flow.id });
    assert.equal(runs.runs.length, 0, 'no run was started by a rejected call');
  });

  test('an unknown or malformed token is a 404', async () => {
    const unknown = await post('A'.repeat(43), '{}');
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.body.error), /No flow has this webhook/);
    const malformed = await post('not-a-token', '{}');
    assert.equal(malformed.status, 404);
  });

  test('regenerating the token makes the old one a 404 at once', async () => {
    const flow = await flowWithParams();
    const old = await engine.api.flows.webhook.get({ flowId: flow.id });
    const fresh = await engine.api.flows.webhook.regenerate({ flowId: flow.id });
    assert.notEqual(fresh.token, old.token);
    assert.equal((await post(old.token, '{"count": 1}')).status, 404);
    const ok = await post(fresh.token, '{"count": 1}');
    assert.equal(ok.status, 201);
    assert.equal((await engine.api.flows.webhook.get({ flowId: flow.id })).token, fresh.token);
  });

  test('a deleted flow’s webhook is a 404; the tRPC calls say NOT_FOUND', async () => {
    const flow = await flowWithParams();
    const { token } = await engine.api.flows.webhook.get({ flowId: flow.id });
    await engine.api.flows.delete({ id: flow.id });
    assert.equal((await post(token, '{"count": 1}')).status, 404);
    await assert.rejects(engine.api.flows.webhook.get({ flowId: flow.id }), { code: 'NOT_FOUND' });
    await assert.rejects(engine.api.flows.webhook.regenerate({ flowId: flow.id }), {
      code: 'NOT_FOUND',
    });
  });
});
