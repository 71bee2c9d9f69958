import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planCatchup } from './catchup';

const now = new Date('2026-06-01T12:00:00Z');
const minutesAgo = (m: number, lateAfterSeconds = 60) => {
  const scheduledFor = new Date(now.getTime() - m * 60_000);
  return {
    id: `run-${m}`,
    scheduledFor,
    lateAt: new Date(scheduledFor.getTime() + lateAfterSeconds * 1000),
  };
};

describe('catch-up policies', () => {
  const due = [minutesAgo(180), minutesAgo(120), minutesAgo(20), minutesAgo(0)];

  test('all: every missed run starts, oldest first', () => {
    assert.deepEqual(planCatchup('all', null, due, now), {
      start: ['run-180', 'run-120', 'run-20', 'run-0'],
      cancel: [],
    });
  });

  test('latest: only the newest starts; a due run that is not late always starts', () => {
    const plan = planCatchup('latest', null, due, now);
    assert.deepEqual(plan.start, ['run-0']);
    assert.deepEqual(
      plan.cancel.map((c) => c.id),
      ['run-180', 'run-120', 'run-20'],
    );
    assert.match(
      plan.cancel[0]!.reason,
      /^skipped: 180 minutes late, the schedule runs only the latest/,
    );
    const onlyLate = planCatchup('latest', null, due.slice(0, 3), now);
    assert.deepEqual(onlyLate.start, ['run-20']);
  });

  test('skip: late runs beyond the window are skipped with the reason', () => {
    const plan = planCatchup('skip', 30, due, now);
    assert.deepEqual(plan.start, ['run-20', 'run-0']);
    assert.deepEqual(plan.cancel, [
      {
        id: 'run-180',
        reason: 'skipped: 180 minutes late, the schedule skips runs later than 30 minutes',
      },
      {
        id: 'run-120',
        reason: 'skipped: 120 minutes late, the schedule skips runs later than 30 minutes',
      },
    ]);
  });
});
