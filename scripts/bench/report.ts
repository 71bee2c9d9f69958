/**
 * What a benchmark returns, and the one table (or JSON) `npm run bench`
 * prints from them. Pure formatting: unit-tested in tests/bench/stats.test.ts.
 */

export type Unit = 'ms' | 'tasks/s';

export interface BenchResult {
  /** The name `--only` takes: hop, chain40, fanout200, … */
  id: string;
  title: string;
  /** Milliseconds (lower is better) or tasks per second (higher is better). */
  unit: Unit;
  /** Pipewright's figures by key (`p50`, `p99`, `total`, …), in `unit`. */
  figures: Record<string, number>;
  /** Targets by figure key: an upper bound for ms, a lower bound for tasks/s. */
  targets: Record<string, number>;
  /**
   * How far past its target a figure still meets it, by key: the
   * measurement's own resolution (one 60 Hz frame's rAF deltas read
   * 16.6–16.8 ms). Shown with the target.
   */
  slack?: Record<string, number>;
  /** Baseline name → its figures, same keys as `figures`, measured in the same run. */
  baselines: Record<string, Record<string, number>>;
  /** The headline figures, also shown as multiples of the floor (default: none). */
  floorMultiples?: string[];
  /** How the figures were repeated, e.g. "median of 5 after a warm-up". */
  method: string;
  notes: string[];
}

/** The machine's floor: one durable single-row INSERT round trip. */
export interface Floor {
  p50Ms: number;
  p99Ms: number;
  fsync: string;
  synchronousCommit: string;
  samples: number;
}

export function meetsTarget(unit: Unit, value: number, target: number, slack = 0): boolean {
  return unit === 'ms' ? value <= target + slack : value >= target - slack;
}

/** pass when every figure with a target meets it, miss otherwise; null without targets. */
export function verdict(result: BenchResult): 'pass' | 'miss' | null {
  const keys = Object.keys(result.targets);
  if (keys.length === 0) return null;
  return keys.every((k) =>
    meetsTarget(
      result.unit,
      result.figures[k] ?? Number.NaN,
      result.targets[k]!,
      result.slack?.[k],
    ),
  )
    ? 'pass'
    : 'miss';
}

export function formatValue(value: number | undefined, unit: Unit): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  if (unit === 'tasks/s') return `${Math.round(value).toLocaleString('en-US')} tasks/s`;
  if (Math.abs(value) >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (Math.abs(value) >= 100) return `${Math.round(value).toLocaleString('en-US')} ms`;
  if (Math.abs(value) >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

function formatTarget(unit: Unit, target: number | undefined, slack?: number): string {
  if (target === undefined) return '—';
  if (slack) return `${formatTarget(unit, target)} (${unit === 'ms' ? '+' : '−'}${slack} jitter)`;
  // Targets are round numbers: print them as written (≤ 2 ms, not ≤ 2.00 ms).
  const text =
    unit === 'ms' && target < 10_000
      ? `${target.toLocaleString('en-US')} ms`
      : formatValue(target, unit);
  return `${unit === 'ms' ? '≤' : '≥'} ${text}`;
}

/** One table row per figure: a benchmark with p50 and p99 takes two. */
export interface TableRow {
  benchmark: string;
  pipewright: string;
  target: string;
  result: string;
  timesFloor: string;
  baselines: string[];
}

export function baselineNames(results: readonly BenchResult[]): string[] {
  const names: string[] = [];
  for (const r of results)
    for (const name of Object.keys(r.baselines)) {
      if (!names.includes(name)) names.push(name);
    }
  return names;
}

export function tableRows(results: readonly BenchResult[], floor: Floor | undefined): TableRow[] {
  const names = baselineNames(results);
  const rows: TableRow[] = [];
  if (floor) {
    rows.push({
      benchmark: 'floor: durable 1-row INSERT p50',
      pipewright: formatValue(floor.p50Ms, 'ms'),
      target: '—',
      result: '—',
      timesFloor: '1×',
      baselines: names.map(() => '—'),
    });
  }
  for (const r of results) {
    const keys = Object.keys(r.figures);
    for (const key of keys) {
      const value = r.figures[key];
      const target = r.targets[key];
      rows.push({
        benchmark: keys.length === 1 ? r.title : `${r.title}, ${key}`,
        pipewright: formatValue(value, r.unit),
        target: formatTarget(r.unit, target, r.slack?.[key]),
        result:
          target === undefined || value === undefined
            ? '—'
            : meetsTarget(r.unit, value, target, r.slack?.[key])
              ? 'pass'
              : 'miss',
        timesFloor:
          floor && r.floorMultiples?.includes(key) && value !== undefined && floor.p50Ms > 0
            ? `${(value / floor.p50Ms).toFixed(value / floor.p50Ms >= 100 ? 0 : 1)}×`
            : '—',
        baselines: names.map((name) => formatValue(r.baselines[name]?.[key], r.unit)),
      });
    }
  }
  return rows;
}

/** A Markdown table with aligned columns (pasteable into BENCHMARKS.md as is). */
export function markdownTable(header: string[], body: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(
      3,
      [...body.map((row) => row[i] ?? ''), h].reduce((w, c) => Math.max(w, width(c)), 0),
    ),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - width(c))).join(' | ')} |`;
  return [
    line(header),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...body.map(line),
  ].join('\n');
}

/** Display width: every code point one column (the table uses no wide characters). */
function width(text: string): number {
  return [...text].length;
}

export function renderTable(results: readonly BenchResult[], floor: Floor | undefined): string {
  const names = baselineNames(results);
  const header = ['benchmark', 'Pipewright', '× floor', 'target', 'result', ...names];
  const rows = tableRows(results, floor).map((r) => [
    r.benchmark,
    r.pipewright,
    r.timesFloor,
    r.target,
    r.result,
    ...r.baselines,
  ]);
  return markdownTable(header, rows);
}

/** The notes under the table: how each figure was repeated, and what to know about it. */
export function renderNotes(results: readonly BenchResult[]): string[] {
  return results.map(
    (r) => `- ${r.title}: ${r.method}${r.notes.length > 0 ? `; ${r.notes.join('; ')}` : ''}`,
  );
}
