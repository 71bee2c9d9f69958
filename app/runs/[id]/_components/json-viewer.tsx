'use client';

import { useMemo, useState } from 'react';
import { Button } from '@/app/_components/button';

/** Entries of an object or array drawn at once; more on request. */
const ENTRIES_PAGE = 200;
/** Values up to this size open fully; bigger ones open one level at a time. */
const OPEN_ALL_BYTES = 4 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

type Loaded = { status: 'loaded'; value: unknown } | { status: 'deferred' };

/**
 * A JSON value as a collapsible tree with its size. Children of a closed
 * branch are not rendered, and long arrays/objects show 200 entries at a
 * time, so a big value costs only what is open. A value the server held
 * back for its size (`deferred`) is loaded only when the user asks.
 */
export function JsonViewer({
  label,
  testId,
  bytes,
  loaded,
  onLoad,
  loading = false,
  loadError,
}: {
  label: string;
  testId?: string;
  /** Size of the value as stored (JSON bytes), when known. */
  bytes: number | null;
  loaded: Loaded;
  /** Fetches a deferred value. */
  onLoad?(): void;
  loading?: boolean;
  loadError?: string | null;
}) {
  const [open, setOpen] = useState(true);
  const size = useMemo(() => {
    if (bytes !== null) return bytes;
    if (loaded.status !== 'loaded') return null;
    return new TextEncoder().encode(JSON.stringify(loaded.value) ?? '').length;
  }, [bytes, loaded]);
  return (
    <section
      data-testid={testId}
      data-collapsed={open ? undefined : 'true'}
      data-deferred={loaded.status === 'deferred' ? 'true' : undefined}
    >
      <button
        type="button"
        className="flex w-full items-center justify-between text-left text-xs font-medium text-slate-600 hover:text-slate-900"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
      >
        <span>
          {open ? '▾' : '▸'} {label}
        </span>
        {size !== null && (
          <span className="text-slate-400 tabular-nums" data-testid="json-size">
            {formatBytes(size)}
          </span>
        )}
      </button>
      {open &&
        (loaded.status === 'deferred' ? (
          <div className="mt-1 flex flex-col items-start gap-2 rounded-md bg-slate-50 p-3 text-xs text-slate-600 ring-1 ring-slate-200 ring-inset">
            <p>
              This value is {size !== null ? formatBytes(size) : 'large'}: it is loaded only when
              you ask, and shown one level at a time.
            </p>
            <Button size="sm" onClick={onLoad} pending={loading} data-testid="json-load">
              Load {label.toLowerCase()}
            </Button>
            {loadError && <p className="text-red-700">{loadError}</p>}
          </div>
        ) : (
          <div
            className="mt-1 max-h-96 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-xs leading-5 text-slate-800 ring-1 ring-slate-200 ring-inset"
            data-testid="json-tree"
          >
            <JsonNode
              value={loaded.value}
              depth={0}
              openAll={size !== null && size <= OPEN_ALL_BYTES}
              last
            />
          </div>
        ))}
    </section>
  );
}

function isBranch(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

/** One value: a primitive inline, or a branch that opens to its entries. */
function JsonNode({
  name,
  value,
  depth,
  openAll,
  last,
}: {
  name?: string;
  value: unknown;
  depth: number;
  openAll: boolean;
  last: boolean;
}) {
  const [open, setOpen] = useState(openAll || depth === 0);
  const [shown, setShown] = useState(ENTRIES_PAGE);
  const key = name !== undefined && (
    <>
      <span className="text-indigo-700">{JSON.stringify(name)}</span>
      {': '}
    </>
  );
  const comma = last ? '' : ',';
  if (!isBranch(value)) {
    return (
      <div className="break-all whitespace-pre-wrap" style={{ paddingLeft: depth ? '1rem' : 0 }}>
        {key}
        <span className={primitiveClass(value)}>{JSON.stringify(value) ?? 'undefined'}</span>
        {comma}
      </div>
    );
  }
  const array = Array.isArray(value);
  const entries: [string | undefined, unknown][] = array
    ? value.map((v) => [undefined, v])
    : Object.entries(value);
  const [openMark, closeMark] = array ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    return (
      <div style={{ paddingLeft: depth ? '1rem' : 0 }}>
        {key}
        {openMark}
        {closeMark}
        {comma}
      </div>
    );
  }
  return (
    <div style={{ paddingLeft: depth ? '1rem' : 0 }}>
      <button
        type="button"
        className="-ml-3 w-3 text-slate-400 hover:text-slate-700"
        onClick={() => setOpen((o) => !o)}
        aria-label={open ? 'Collapse' : 'Expand'}
        aria-expanded={open}
      >
        {open ? '▾' : '▸'}
      </button>
      {key}
      {openMark}
      {open ? (
        <>
          {entries.slice(0, shown).map(([k, v], i) => (
            <JsonNode
              key={i}
              name={k}
              value={v}
              depth={depth + 1}
              openAll={openAll}
              last={i === entries.length - 1}
            />
          ))}
          {entries.length > shown && (
            <div style={{ paddingLeft: '1rem' }}>
              <button
                type="button"
                className="text-indigo-600 hover:underline"
                onClick={() => setShown((n) => n + ENTRIES_PAGE)}
              >
                … {entries.length - shown} more
              </button>
            </div>
          )}
          <div>
            {closeMark}
            {comma}
          </div>
        </>
      ) : (
        <button
          type="button"
          className="text-slate-400 hover:text-slate-700"
          onClick={() => setOpen(true)}
        >
          {` … ${entries.length} ${array ? 'items' : 'keys'} `}
          {closeMark}
          {comma}
        </button>
      )}
    </div>
  );
}

function primitiveClass(value: unknown): string {
  if (typeof value === 'string') return 'text-emerald-700';
  if (typeof value === 'number') return 'text-sky-700';
  if (typeof value === 'boolean') return 'text-amber-700';
  return 'text-slate-500';
}
