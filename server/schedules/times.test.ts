import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkTiming,
  describeInterval,
  describeTiming,
  fireTimesAfter,
  fireTimesBetween,
  intervalAnchor,
} from './times';

const madrid = (cron: string) => ({ kind: 'cron' as const, cron, timezone: 'Europe/Madrid' });
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('DST in Europe/Madrid', () => {
  test('spring forward (2026-03-29): a daily 02:30 fires once, at 03:00 CEST, since 02:30 does not exist', () => {
    const times = iso(fireTimesAfter(madrid('30 2 * * *'), new Date('2026-03-28T00:00:00Z'), 3));
    assert.deepEqual(times, [
      '2026-03-28T01:30:00.000Z', // 02:30 CET (+01:00)
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: the first valid time after the gap
      '2026-03-30T00:30:00.000Z', // 02:30 CEST (+02:00)
    ]);
  });

  test('fall back (2026-10-25): a daily 02:30 fires exactly once although 02:30 happens twice', () => {
    const times = iso(fireTimesAfter(madrid('30 2 * * *'), new Date('2026-10-24T00:00:00Z'), 3));
    assert.deepEqual(times, [
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST); not again at 01:30Z (CET)
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
  });

  test('a daily 12:00 stays at 12:00 local across both changes', () => {
    const spring = iso(fireTimesAfter(madrid('0 12 * * *'), new Date('2026-03-28T00:00:00Z'), 2));
    assert.deepEqual(spring, ['2026-03-28T11:00:00.000Z', '2026-03-29T10:00:00.000Z']);
    const fall = iso(fireTimesAfter(madrid('0 12 * * *'), new Date('2026-10-24T00:00:00Z'), 2));
    assert.deepEqual(fall, ['2026-10-24T10:00:00.000Z', '2026-10-25T11:00:00.000Z']);
  });

  test('an hourly wildcard cron follows the clock: 23 fires on the short day, 25 on the long one', () => {
    // Local days: 2026-03-29 00:00 CET to 24:00 CEST, 2026-10-25 00:00 CEST to 24:00 CET.
    const localShort = iso(
      fireTimesBetween(
        madrid('0 * * * *'),
        new Date('2026-03-28T22:59:59Z'),
        new Date('2026-03-29T21:59:59Z'),
        100,
      ).times,
    );
    assert.equal(localShort.length, 23);
    const localLong = fireTimesBetween(
      madrid('0 * * * *'),
      new Date('2026-10-24T21:59:59Z'),
      new Date('2026-10-25T22:59:59Z'),
      100,
    ).times;
    assert.equal(localLong.length, 25);
  });

  test('intervals are fixed durations, whatever the clock does', () => {
    const anchor = intervalAnchor('Europe/Madrid', new Date('2026-03-29T00:30:00Z'));
    assert.equal(anchor.toISOString(), '2026-03-28T23:00:00.000Z'); // local midnight (CET)
    const times = fireTimesAfter(
      { kind: 'interval', intervalSeconds: 3600, timezone: 'Europe/Madrid', anchorAt: anchor },
      new Date('2026-03-29T00:30:00Z'),
      3,
    );
    assert.deepEqual(iso(times), [
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T03:00:00.000Z',
    ]);
  });
});

describe('cron expressions', () => {
  test('5 fields, and 6 with seconds first', () => {
    const every10s = fireTimesAfter(
      { kind: 'cron', cron: '*/10 * * * * *', timezone: 'UTC' },
      new Date('2026-01-01T00:00:00Z'),
      2,
    );
    assert.deepEqual(iso(every10s), ['2026-01-01T00:00:10.000Z', '2026-01-01T00:00:20.000Z']);
  });

  test('problems name the field', () => {
    assert.deepEqual(
      checkTiming({ kind: 'cron', cron: '61 * * * *', timezone: 'UTC' }).map((i) => i.path),
      ['cron'],
    );
    assert.match(
      checkTiming({ kind: 'cron', cron: '* * * *', timezone: 'UTC' })[0]!.message,
      /4 fields; expected 5/,
    );
    assert.match(
      checkTiming({ kind: 'cron', cron: '0 0 0 * * * *', timezone: 'UTC' })[0]!.message,
      /7 fields/,
    );
    assert.deepEqual(
      checkTiming({ kind: 'cron', cron: '0 12 * * *', timezone: 'Mars/Olympus' }).map(
        (i) => i.path,
      ),
      ['timezone'],
    );
    assert.deepEqual(
      checkTiming({ kind: 'interval', intervalSeconds: 0, timezone: 'UTC' }).map((i) => i.path),
      ['intervalSeconds'],
    );
    assert.deepEqual(checkTiming({ kind: 'cron', cron: '0 12 * * *', timezone: 'UTC' }), []);
  });

  test('descriptions a person can check', () => {
    assert.equal(describeTiming(madrid('0 12 * * *')), 'Every day at 12:00 (Europe/Madrid)');
    assert.equal(
      describeTiming({ kind: 'cron', cron: '0 9 * * 1-5', timezone: 'UTC' }),
      'At 09:00, Monday through Friday (UTC)',
    );
    assert.equal(describeInterval(900), 'Every 15 minutes');
    assert.equal(describeInterval(3600), 'Every hour');
    assert.equal(describeInterval(5400), 'Every 1 hour 30 minutes');
  });

  test('missed slots beyond the cap are counted, the latest kept', () => {
    const { times, total } = fireTimesBetween(
      { kind: 'cron', cron: '* * * * *', timezone: 'UTC' },
      new Date('2026-01-01T00:00:00Z'),
      new Date('2026-01-01T03:00:00Z'),
      100,
    );
    assert.equal(total, 180);
    assert.equal(times.length, 100);
    assert.equal(times.at(-1)!.toISOString(), '2026-01-01T03:00:00.000Z');
    assert.equal(times[0]!.toISOString(), '2026-01-01T01:21:00.000Z');
  });
});
