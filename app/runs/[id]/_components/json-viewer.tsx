'use client';

import { useMemo, useState } from 'react';

/** Values over this are collapsed until asked for (rendering megabytes freezes the tab). */
const COLLAPSE_OVER_BYTES = 50 * 1024;

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

/** A JSON value, pretty-printed, collapsible, with its size; big values start collapsed. */
export function JsonViewer({
  value,
  label,
  testId,
}: {
  value: unknown;
  label: string;
  testId?: string;
}) {
  const text = useMemo(() => JSON.stringify(value, null, 2) ?? 'undefined', [value]);
  const bytes = useMemo(
    () => new TextEncoder().encode(JSON.stringify(value) ?? '').length,
    [value],
  );
  const [open, setOpen] = useState(bytes <= COLLAPSE_OVER_BYTES);
  return (
    <section data-testid={testId} data-collapsed={open ? undefined : 'true'}>
      <button
        type="button"
        className="flex w-full items-center justify-between text-left text-xs font-medium text-slate-600 hover:text-slate-900"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
      >
        <span>
          {open ? '▾' : '▸'} {label}
        </span>
        <span className="text-slate-400 tabular-nums">{formatBytes(bytes)}</span>
      </button>
      {open && (
        <pre className="mt-1 max-h-80 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-xs text-slate-800 ring-1 ring-slate-200 ring-inset">
          {text}
        </pre>
      )}
    </section>
  );
}
