/**
 * Round tick values from 0 to at least `max`: steps of 1, 2 or 5 × 10^n,
 * about `count` of them. The last tick is the axis top.
 */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? rough;
  const ticks: number[] = [];
  for (let v = 0; v < max + step / 2 && ticks.length < 12; v += step) ticks.push(v);
  if (ticks[ticks.length - 1]! < max) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks.map((t) => Number(t.toPrecision(6)));
}

/** Time ticks for durations (ms): steps that read well as durations. */
export function niceDurationTicks(maxMs: number, count = 4): number[] {
  if (!(maxMs > 0)) return [0, 1000];
  const steps = [
    1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000,
    120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000,
    86_400_000,
  ];
  const step = steps.find((s) => s >= maxMs / count) ?? Math.ceil(maxMs / count);
  const ticks: number[] = [];
  for (let v = 0; v < maxMs + step / 2 && ticks.length < 12; v += step) ticks.push(v);
  if (ticks[ticks.length - 1]! < maxMs) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

/** Which x labels to print so neighbours never overlap: every `n`th. */
export function labelEvery(count: number, widthPx: number, labelPx = 48): number {
  return Math.max(1, Math.ceil(count / Math.max(1, Math.floor(widthPx / labelPx))));
}
