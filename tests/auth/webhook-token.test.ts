/**
 * Webhook tokens: found by their hash, then compared with the stored token
 * in constant time. A token one character off is refused, and so is a
 * presented token whose hash finds a row holding a different token — the
 * comparison, not the index, has the last word.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { flowWebhooks } from '@/db/schema';
import { findFlowByWebhookToken } from '@/server/webhooks/find';
import { sameWebhookToken } from '@/server/webhooks/token';
import { startTestEngine, type TestEngine } from '../helpers/engine';

let engine: TestEngine;
let flowId: string;
let token: string;

/** `text` with the character at `at` replaced by another one of the same alphabet. */
const changedAt = (text: string, at: number) =>
  `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;

before(async () => {
  engine = await startTestEngine({ worker: false });
  ({ id: flowId } = await engine.api.flows.create({ name: 'Hooked' }));
  ({ token } = await engine.api.flows.webhook.get({ flowId }));
});

after(async () => {
  await engine?.close();
});

describe('webhook tokens', () => {
  test('the token finds its flow; one character off, at any end, finds nothing', async () => {
    assert.deepEqual(await findFlowByWebhookToken(engine.tdb.db, token), {
      flowId,
      flowName: 'Hooked',
    });
    for (const at of [0, 21, token.length - 1]) {
      assert.equal(await findFlowByWebhookToken(engine.tdb.db, changedAt(token, at)), null);
    }
  });

  test('a row found by hash whose stored token differs is refused by the constant-time check', async () => {
    // The stored token now differs in its last character while the hash
    // still matches the presented token: only the comparison can refuse it.
    await engine.tdb.db
      .update(flowWebhooks)
      .set({ token: changedAt(token, token.length - 1) })
      .where(eq(flowWebhooks.flowId, flowId));
    assert.equal(await findFlowByWebhookToken(engine.tdb.db, token), null);
  });

  test('sameWebhookToken: equal only when every character is', () => {
    assert.equal(sameWebhookToken(token, token), true);
    assert.equal(sameWebhookToken(token, changedAt(token, 0)), false);
    assert.equal(sameWebhookToken(token, token.slice(0, -1)), false, 'shorter');
    assert.equal(sameWebhookToken(token, `${token}A`), false, 'longer');
  });
});
