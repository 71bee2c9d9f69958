import type { ReactNode } from 'react';

/**
 * The hover card of a chart, placed beside the hovered bar or point and
 * kept inside the chart (flips to the left past the middle).
 */
export function ChartTooltip({
  x,
  width,
  title,
  children,
  'data-testid': testId,
}: {
  x: number;
  width: number;
  title: ReactNode;
  children: ReactNode;
  'data-testid'?: string;
}) {
  const flip = x > width / 2;
  return (
    <div
      role="status"
      data-testid={testId}
      className="pointer-events-none absolute top-2 z-10 min-w-40 rounded-lg bg-slate-900/95 px-3 py-2 text-xs text-slate-100 shadow-lg ring-1 ring-black/10"
      style={flip ? { right: width - x + 12 } : { left: x + 12 }}
    >
      <div className="mb-1.5 font-medium text-white">{title}</div>
      {children}
    </div>
  );
}

/** One row of a tooltip: colour swatch, label, value. */
export function TooltipRow({
  color,
  label,
  value,
  dashed,
}: {
  color?: string;
  label: ReactNode;
  value: ReactNode;
  dashed?: boolean;
}) {
  return (
    <div className="flex items-center gap-2 py-0.5">
      {color && (
        <span
          className="inline-block h-2 w-2 shrink-0 rounded-sm"
          style={
            dashed ? { border: `1.5px dashed ${color}`, background: 'none' } : { background: color }
          }
        />
      )}
      <span className="flex-1 text-slate-300">{label}</span>
      <span className="font-medium tabular-nums text-white">{value}</span>
    </div>
  );
}
