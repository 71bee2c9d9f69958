'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { formatDuration } from '@/app/_lib/format-duration';
import { labelEvery, niceDurationTicks } from './chart-scale';
import { ChartTooltip, TooltipRow } from './chart-tooltip';
import { useElementWidth } from './use-element-width';

export interface LinePoint {
  key: string;
  axisLabel: string;
  title: string;
  /** Milliseconds per series; null where there is no data (a gap). */
  values: Record<string, number | null>;
  /** Completed runs behind the point, for the tooltip. */
  runs: number;
  /** Where a click on the point's bar of time goes. */
  href?: string;
}

export interface LineSeries {
  key: string;
  label: string;
  color: string;
  dashed?: boolean;
}

const HEIGHT = 220;
const M = { top: 12, right: 12, bottom: 24, left: 56 };

/**
 * Duration lines, hand-drawn in SVG: one path per series that breaks where
 * a bar has no data, a dot on every value, duration ticks, a tooltip on
 * hover or keyboard focus with a guide line.
 */
export function DurationLineChart({
  points,
  series,
  label,
  'data-testid': testId,
}: {
  points: LinePoint[];
  series: LineSeries[];
  label: string;
  'data-testid'?: string;
}) {
  const router = useRouter();
  const box = useRef<HTMLDivElement>(null);
  const width = useElementWidth(box);
  const [active, setActive] = useState<number | null>(null);

  const all = points.flatMap((p) => series.map((s) => p.values[s.key] ?? 0));
  const ticks = niceDurationTicks(Math.max(...all, 0));
  const top = ticks[ticks.length - 1]!;
  const innerW = width - M.left - M.right;
  const innerH = HEIGHT - M.top - M.bottom;
  const band = innerW / Math.max(1, points.length);
  const x = (i: number) => M.left + (i + 0.5) * band;
  const y = (v: number) => M.top + innerH - (v / top) * innerH;
  const every = labelEvery(points.length, innerW);
  const activePoint = active === null ? undefined : points[active];

  /** "M x y L x y …", restarting after each gap. */
  const pathOf = (key: string) => {
    let d = '';
    let pen = false;
    points.forEach((p, i) => {
      const v = p.values[key];
      if (v === null || v === undefined) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)} `;
      pen = true;
    });
    return d.trim();
  };

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
              {formatTick(t)}
            </text>
          </g>
        ))}
        {active !== null && (
          <line
            x1={x(active)}
            x2={x(active)}
            y1={M.top}
            y2={M.top + innerH}
            className="stroke-slate-300"
            strokeDasharray="3 3"
          />
        )}
        {series.map((s) => (
          <g key={s.key} data-testid="duration-series" data-series={s.key}>
            <path
              d={pathOf(s.key)}
              fill="none"
              stroke={s.color}
              strokeWidth={2}
              strokeLinejoin="round"
              strokeLinecap="round"
              strokeDasharray={s.dashed ? '5 4' : undefined}
            />
            {points.map((p, i) => {
              const v = p.values[s.key];
              if (v === null || v === undefined) return null;
              return (
                <circle
                  key={p.key}
                  cx={x(i)}
                  cy={y(v)}
                  r={active === i ? 4.5 : 3}
                  fill="white"
                  stroke={s.color}
                  strokeWidth={2}
                  data-testid="duration-point"
                  data-series={s.key}
                  data-value={Math.round(v)}
                />
              );
            })}
          </g>
        ))}
        {points.map((p, i) => {
          const values = series
            .map((s) => ({ s, v: p.values[s.key] }))
            .filter(({ v }) => v !== null && v !== undefined)
            .map(({ s, v }) => `${s.label} ${formatDuration(v!)}`);
          return (
            <g
              key={p.key}
              role="button"
              tabIndex={0}
              aria-label={`${p.title}: ${values.length ? `${values.join(', ')} over ${p.runs} run${p.runs === 1 ? '' : 's'}` : 'no completed runs'}`}
              className={p.href && p.runs > 0 ? 'cursor-pointer outline-none' : 'outline-none'}
              onMouseEnter={() => setActive(i)}
              onFocus={() => setActive(i)}
              onBlur={() => setActive(null)}
              onClick={() => p.href && router.push(p.href)}
              onKeyDown={(e) => {
                if ((e.key === 'Enter' || e.key === ' ') && p.href) {
                  e.preventDefault();
                  router.push(p.href);
                }
              }}
            >
              <rect
                x={M.left + i * band}
                y={M.top}
                width={band}
                height={innerH}
                className="fill-transparent"
              />
              {i % every === 0 && (
                <text
                  x={x(i)}
                  y={HEIGHT - 6}
                  textAnchor="middle"
                  className="fill-slate-500 text-[11px]"
                >
                  {p.axisLabel}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {activePoint && active !== null && (
        <ChartTooltip
          x={x(active)}
          width={width}
          title={activePoint.title}
          data-testid="chart-tooltip"
        >
          {activePoint.runs === 0 ? (
            <div className="text-slate-300">No completed runs</div>
          ) : (
            <>
              {series.map((s) => (
                <TooltipRow
                  key={s.key}
                  color={s.color}
                  dashed={s.dashed}
                  label={s.label}
                  value={formatDuration(activePoint.values[s.key] ?? 0)}
                />
              ))}
              <div className="mt-1 border-t border-white/10 pt-1">
                <TooltipRow label="Completed runs" value={activePoint.runs} />
              </div>
            </>
          )}
        </ChartTooltip>
      )}
    </div>
  );
}

/** Axis ticks are round: "2 min", "30 s", "1 h", else the usual duration text. */
function formatTick(ms: number): string {
  if (ms === 0) return '0';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return formatDuration(ms);
}
