'use client';

import { useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { SearchIcon } from '@/app/_components/icons';
import { TaskTypeIcon } from '@/app/_components/task-type-icon';
import { cn } from '@/app/_lib/cn';
import type { TaskTypeDescription } from '@/app/_lib/task-catalog';
import { isOverCanvas, useCanvasDom, useDropPosition } from './canvas-dom';
import { useEditorStoreApi } from './editor-store';

const CATEGORY_ORDER = ['Core', 'Control', 'Data', 'Integrations', 'Custom'];

/** Types grouped by category (catalog order within a group), filtered by a search. */
export function groupTaskTypes(
  types: readonly TaskTypeDescription[],
  search: string,
): [string, TaskTypeDescription[]][] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  const groups = new Map<string, TaskTypeDescription[]>();
  for (const type of types) {
    const haystack =
      `${type.type} ${type.title} ${type.description} ${type.category}`.toLowerCase();
    if (!words.every((w) => haystack.includes(w))) continue;
    groups.set(type.category, [...(groups.get(type.category) ?? []), type]);
  }
  const rank = (c: string) => {
    const i = CATEGORY_ORDER.indexOf(c);
    return i === -1 ? CATEGORY_ORDER.length : i;
  };
  return [...groups].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

interface Ghost {
  type: TaskTypeDescription;
  x: number;
  y: number;
  overCanvas: boolean;
}

/**
 * The task types to add, from the catalog: drag one onto the canvas (it
 * lands where it is dropped), or click it to add it in the middle of the view.
 */
export function Palette({ types }: { types: readonly TaskTypeDescription[] }) {
  const store = useEditorStoreApi();
  const dom = useCanvasDom();
  const dropPosition = useDropPosition();
  const [search, setSearch] = useState('');
  const [ghost, setGhost] = useState<Ghost | null>(null);
  const justDragged = useRef(false);
  const groups = useMemo(() => groupTaskTypes(types, search), [types, search]);

  const add = (type: TaskTypeDescription, at?: { x: number; y: number }) =>
    store.getState().addTask(type, dropPosition(at));

  const startDrag = (event: React.PointerEvent, type: TaskTypeDescription) => {
    if (event.button !== 0 || type.disabledReason) return;
    const origin = { x: event.clientX, y: event.clientY };
    let dragging = false;
    const move = (e: PointerEvent) => {
      if (!dragging && Math.hypot(e.clientX - origin.x, e.clientY - origin.y) < 4) return;
      dragging = true;
      const point = { x: e.clientX, y: e.clientY };
      setGhost({ type, ...point, overCanvas: isOverCanvas(dom, point) });
    };
    const up = (e: PointerEvent) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      setGhost(null);
      if (!dragging) return;
      justDragged.current = true;
      setTimeout(() => {
        justDragged.current = false;
      }, 0);
      const point = { x: e.clientX, y: e.clientY };
      if (isOverCanvas(dom, point)) add(type, point);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  return (
    <aside
      aria-label="Task palette"
      className="flex w-60 shrink-0 flex-col border-r border-slate-200 bg-white"
      data-testid="palette"
    >
      <div className="border-b border-slate-200 p-3">
        <div className="relative">
          <SearchIcon className="pointer-events-none absolute top-1/2 left-2.5 size-3.5 -translate-y-1/2 text-slate-400" />
          <input
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder="Search tasks"
            aria-label="Search task types"
            className="block h-8 w-full rounded-md border border-slate-300 bg-white pr-2 pl-8 text-[13px] placeholder:text-slate-400 focus:outline-2 focus:-outline-offset-1 focus:outline-indigo-600"
            data-testid="palette-search"
          />
        </div>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto p-2">
        {groups.length === 0 && (
          <p className="px-2 py-6 text-center text-xs text-slate-500">No task type matches.</p>
        )}
        {groups.map(([category, items]) => (
          <section key={category} className="mb-3">
            <h3 className="px-2 pt-1 pb-1.5 text-[11px] font-semibold tracking-wide text-slate-400 uppercase">
              {category}
            </h3>
            <ul className="space-y-0.5">
              {items.map((type) => (
                <li key={type.type}>
                  <button
                    type="button"
                    data-testid={`palette-${type.type}`}
                    disabled={type.disabledReason !== null}
                    title={
                      type.disabledReason ??
                      `${type.description}\nDrag onto the canvas, or click to add.`
                    }
                    onPointerDown={(event) => startDrag(event, type)}
                    onClick={() => {
                      if (!justDragged.current) add(type);
                    }}
                    className="group flex w-full touch-none items-center gap-2.5 rounded-md px-2 py-1.5 text-left select-none hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-50"
                  >
                    <span className="flex size-7 shrink-0 items-center justify-center rounded-md bg-indigo-50 text-indigo-600 ring-1 ring-indigo-100 ring-inset group-hover:bg-indigo-100">
                      <TaskTypeIcon type={type.type} glyph={type.icon} className="size-3.5" />
                    </span>
                    <span className="min-w-0">
                      <span className="block truncate text-[13px] font-medium text-slate-800">
                        {type.title}
                      </span>
                      <span className="block truncate text-[11px] text-slate-500">
                        {type.disabledReason ?? type.description}
                      </span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
      <p className="border-t border-slate-200 px-3 py-2 text-[11px] text-slate-500">
        Drag onto the canvas, or press{' '}
        <kbd className="rounded border border-slate-300 bg-slate-50 px-1 font-sans">/</kbd> to add
        at the cursor.
      </p>
      {ghost &&
        createPortal(
          <div
            className={cn(
              'pointer-events-none fixed z-[100] flex w-52 items-center gap-2 rounded-lg border bg-white px-2.5 py-2 text-[13px] font-medium shadow-lg',
              ghost.overCanvas
                ? 'border-indigo-300 ring-2 ring-indigo-200'
                : 'border-slate-200 opacity-80',
            )}
            style={{ left: ghost.x - 104, top: ghost.y - 18 }}
            aria-hidden="true"
          >
            <span className="flex size-6 items-center justify-center rounded bg-indigo-50 text-indigo-600">
              <TaskTypeIcon type={ghost.type.type} glyph={ghost.type.icon} className="size-3.5" />
            </span>
            {ghost.type.title}
          </div>,
          document.body,
        )}
    </aside>
  );
}
