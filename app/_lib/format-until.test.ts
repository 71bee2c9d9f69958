import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCountdown } from './format-until';

test('countdowns read naturally and stop at "now"', () => {
  const now = Date.parse('2026-03-04T12:00:00Z');
  const at = (seconds: number) => new Date(now + seconds * 1000);
  assert.equal(formatCountdown(at(-5), now), 'now');
  assert.equal(formatCountdown(at(0), now), 'now');
  assert.equal(formatCountdown(at(42), now), 'in 42 s');
  assert.equal(formatCountdown(at(5 * 60), now), 'in 5 min');
  assert.equal(formatCountdown(at(3 * 3600), now), 'in 3 h');
  assert.equal(formatCountdown(at(3 * 86400), now), 'in 3 days');
});
