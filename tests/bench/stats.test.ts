import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type BenchResult,
  formatValue,
  markdownTable,
  renderTable,
  tableRows,
  verdict,
} from '../../scripts/bench/report';
import { describeRepetitions, median, percentile, repeat } from '../../scripts/bench/stats';

describe('bench statistics', () => {
  test('percentile is nearest-rank over unsorted samples', () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    assert.equal(percentile(samples, 50), 5);
    assert.equal(percentile(samples, 90), 9);
    assert.equal(percentile(samples, 99), 10);
    assert.equal(percentile(samples, 100), 10);
    assert.equal(percentile(samples, 0), 1);
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.throws(() => percentile(samples, 101), /within 0..100/);
  });

  test('p99 of 195 hops is the second largest, not the largest', () => {
    const hops = Array.from({ length: 195 }, (_, i) => i + 1);
    assert.equal(percentile(hops, 99), 194);
  });

  test('median of an odd count is the middle sample, of an even count the mean of the two', () => {
    assert.equal(median([30, 10, 20]), 20);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  test('repeat drops warm-ups and keeps the measured results in order', async () => {
    const calls: string[] = [];
    const results = await repeat({ warmUps: 1, measured: 3 }, async (i, warmUp) => {
      calls.push(`${warmUp ? 'w' : 'm'}${i}`);
      return i * 10;
    });
    assert.deepEqual(calls, ['w0', 'm0', 'm1', 'm2']);
    assert.deepEqual(results, [0, 10, 20]);
    assert.equal(describeRepetitions({ warmUps: 1, measured: 5 }), 'median of 5 after a warm-up');
    assert.equal(describeRepetitions({ warmUps: 0, measured: 1 }), '1 run, no warm-up');
  });
});

describe('bench table', () => {
  const hop: BenchResult = {
    id: 'hop',
    title: 'hop',
    unit: 'ms',
    figures: { p50: 1.5, p99: 12 },
    targets: { p50: 2, p99: 10 },
    baselines: { 'graphile-worker': { p50: 2.4, p99: 9 } },
    floorMultiples: ['p50', 'p99'],
    method: 'median of 5 after a warm-up',
    notes: [],
  };
  const fanout: BenchResult = {
    id: 'fanout',
    title: 'fanout',
    unit: 'tasks/s',
    figures: { '1 worker process': 900, '2 worker processes': 1600 },
    targets: { '2 worker processes': 1500 },
    baselines: {},
    method: 'median of 3',
    notes: [],
  };
  const floor = { p50Ms: 0.5, p99Ms: 1, fsync: 'on', synchronousCommit: 'on', samples: 10 };

  test('one row per figure, judged against its own target; higher is better for tasks/s', () => {
    const rows = tableRows([hop, fanout], floor);
    assert.deepEqual(
      rows.map((r) => [
        r.benchmark,
        r.pipewright,
        r.target,
        r.result,
        r.timesFloor,
        r.baselines[0],
      ]),
      [
        ['floor: durable 1-row INSERT p50', '0.50 ms', '—', '—', '1×', '—'],
        ['hop, p50', '1.50 ms', '≤ 2 ms', 'pass', '3.0×', '2.40 ms'],
        ['hop, p99', '12.0 ms', '≤ 10 ms', 'miss', '24.0×', '9.00 ms'],
        ['fanout, 1 worker process', '900 tasks/s', '—', '—', '—', '—'],
        ['fanout, 2 worker processes', '1,600 tasks/s', '≥ 1,500 tasks/s', 'pass', '—', '—'],
      ],
    );
    assert.equal(verdict(hop), 'miss');
    assert.equal(verdict(fanout), 'pass');
  });

  test('a figure within its slack meets its target, and the slack is shown with the target', () => {
    const canvas: BenchResult = {
      id: 'canvas',
      title: 'canvas',
      unit: 'ms',
      figures: { 'frame p95': 16.8 },
      targets: { 'frame p95': 16.7 },
      slack: { 'frame p95': 0.5 },
      baselines: {},
      method: '',
      notes: [],
    };
    assert.equal(verdict(canvas), 'pass');
    assert.deepEqual(
      tableRows([canvas], undefined).map((r) => [r.target, r.result]),
      [['≤ 16.7 ms (+0.5 jitter)', 'pass']],
    );
    assert.equal(verdict({ ...canvas, figures: { 'frame p95': 33.3 } }), 'miss');
    assert.equal(verdict({ ...canvas, slack: undefined }), 'miss');
  });

  test('long figures switch to seconds', () => {
    assert.equal(formatValue(80_012, 'ms'), '80.0 s');
    assert.equal(formatValue(1234.4, 'ms'), '1,234 ms');
    assert.equal(formatValue(undefined, 'ms'), '—');
  });

  test('the Markdown table has aligned columns, so it pastes into BENCHMARKS.md as is', () => {
    const table = markdownTable(
      ['a', 'long header'],
      [
        ['x', '≤ 2 ms'],
        ['longer cell', 'y'],
      ],
    );
    assert.equal(
      table,
      [
        '| a           | long header |',
        '| ----------- | ----------- |',
        '| x           | ≤ 2 ms      |',
        '| longer cell | y           |',
      ].join('\n'),
    );
    const lines = renderTable([hop, fanout], floor).split('\n');
    assert.ok(lines.every((line) => [...line].length === [...lines[0]!].length));
  });
});
