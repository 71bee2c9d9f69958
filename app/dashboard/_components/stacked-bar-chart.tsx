'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { labelEvery, niceTicks } from './chart-scale';
import { ChartTooltip, TooltipRow } from './chart-tooltip';
import { useElementWidth } from './use-element-width';

export interface StackedBar {
  key: string;
  /** Under the bar (printed for every few bars). */
  axisLabel: string;
  /** Tooltip heading and the start of the bar's accessible name. */
  title: string;
  values: Record<string, number>;
  /** Where a click on the bar goes. */
  href?: string;
}

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
}

const HEIGHT = 220;
const M = { top: 10, right: 8, bottom: 24, left: 40 };

/**
 * Bars stacked by series, hand-drawn in SVG: y ticks, x labels, a tooltip
 * on hover or keyboard focus, a click through to `href`. Each bar is a
 * focusable group with an accessible name listing its values.
 */
export function StackedBarChart({
  bars,
  series,
  label,
  'data-testid': testId,
}: {
  bars: StackedBar[];
  series: ChartSeries[];
  /** The chart's accessible name. */
  label: string;
  'data-testid'?: string;
}) {
  const router = useRouter();
  const box = useRef<HTMLDivElement>(null);
  const width = useElementWidth(box);
  const [active, setActive] = useState<number | null>(null);

  const totals = bars.map((b) => series.reduce((n, s) => n + (b.values[s.key] ?? 0), 0));
  const ticks = niceTicks(Math.max(...totals, 0));
  const top = ticks[ticks.length - 1]!;
  const innerW = width - M.left - M.right;
  const innerH = HEIGHT - M.top - M.bottom;
  const band = innerW / Math.max(1, bars.length);
  const barW = Math.max(2, Math.min(32, band * 0.72));
  const y = (v: number) => M.top + innerH - (v / top) * innerH;
  const every = labelEvery(bars.length, innerW);
  const activeBar = active === null ? undefined : bars[active];

  return (
    <div ref={box} className="relative" data-testid={testId}>
      <svg
        width={width}
        height={HEIGHT}
        role="group"
        aria-label={label}
        className="block select-none"
        onMouseLeave={() => setActive(null)}
      >
        {ticks.map((t) => (
          <g key={t}>
            <line
              x1={M.left}
              x2={width - M.right}
              y1={y(t)}
              y2={y(t)}
              className={t === 0 ? 'stroke-slate-300' : 'stroke-slate-100'}
            />
            <text
              x={M.left - 8}
              y={y(t)}
              dy="0.32em"
              textAnchor="end"
              className="fill-slate-400 text-[11px] tabular-nums"
            >
              {t.toLocaleString()}
            </text>
          </g>
        ))}
        {bars.map((bar, i) => {
          const x0 = M.left + i * band;
          const total = totals[i]!;
          let stacked = 0;
          const parts = series
            .filter((s) => (bar.values[s.key] ?? 0) > 0)
            .map((s) => `${bar.values[s.key]} ${s.label.toLowerCase()}`);
          return (
            <g
              key={bar.key}
              role="button"
              tabIndex={0}
              aria-label={`${bar.title}: ${total} run${total === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}`}
              data-testid="chart-bar"
              data-total={total}
              className={bar.href ? 'cursor-pointer outline-none' : 'outline-none'}
              onMouseEnter={() => setActive(i)}
              onFocus={() => setActive(i)}
              onBlur={() => setActive(null)}
              onClick={() => bar.href && router.push(bar.href)}
              onKeyDown={(e) => {
                if ((e.key === 'Enter' || e.key === ' ') && bar.href) {
                  e.preventDefault();
                  router.push(bar.href);
                }
              }}
            >
              <rect
                x={x0}
                y={M.top}
                width={band}
                height={innerH}
                className={active === i ? 'fill-slate-100' : 'fill-transparent'}
              />
              {series.map((s) => {
                const value = bar.values[s.key] ?? 0;
                if (value <= 0) return null;
                const y1 = y(stacked + value);
                const h = y(stacked) - y1;
                stacked += value;
                return (
                  <rect
                    key={s.key}
                    x={x0 + (band - barW) / 2}
                    y={y1}
                    width={barW}
                    height={Math.max(1, h - 0.5)}
                    fill={s.color}
                    rx={Math.min(2, barW / 4)}
                    data-testid="chart-bar-segment"
                    data-series={s.key}
                    data-value={value}
                  />
                );
              })}
              {i % every === 0 && (
                <text
                  x={x0 + band / 2}
                  y={HEIGHT - 6}
                  textAnchor="middle"
                  className="fill-slate-500 text-[11px]"
                >
                  {bar.axisLabel}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {activeBar && active !== null && (
        <ChartTooltip
          x={M.left + (active + 0.5) * band}
          width={width}
          title={activeBar.title}
          data-testid="chart-tooltip"
        >
          {series
            .filter((s) => (activeBar.values[s.key] ?? 0) > 0)
            .map((s) => (
              <TooltipRow
                key={s.key}
                color={s.color}
                label={s.label}
                value={activeBar.values[s.key]}
              />
            ))}
          <div className="mt-1 border-t border-white/10 pt-1">
            <TooltipRow label="Total" value={totals[active]} />
          </div>
          {activeBar.href && totals[active]! > 0 && (
            <div className="mt-1 text-[11px] text-slate-400">Click to list these runs</div>
          )}
        </ChartTooltip>
      )}
    </div>
  );
}
