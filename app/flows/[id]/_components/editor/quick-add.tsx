'use client';

import { useMemo, useState } from 'react';
import { Dialog } from '@/app/_components/dialog';
import { TaskTypeIcon } from '@/app/_components/task-type-icon';
import { cn } from '@/app/_lib/cn';
import type { TaskTypeDescription } from '@/app/_lib/task-catalog';
import { groupTaskTypes } from './palette';

/** `/` or Ctrl/Cmd+K: search the catalog and add a task where the cursor was. */
export function QuickAddDialog({
  open,
  types,
  onClose,
  onPick,
}: {
  open: boolean;
  types: readonly TaskTypeDescription[];
  onClose: () => void;
  onPick: (type: TaskTypeDescription) => void;
}) {
  return (
    <Dialog open={open} onClose={onClose} title="Add a task" data-testid="quick-add">
      <QuickAddList types={types} onPick={onPick} />
    </Dialog>
  );
}

function QuickAddList({
  types,
  onPick,
}: {
  types: readonly TaskTypeDescription[];
  onPick: (type: TaskTypeDescription) => void;
}) {
  const [search, setSearch] = useState('');
  const [active, setActive] = useState(0);
  const matches = useMemo(
    () =>
      groupTaskTypes(
        types.filter((t) => t.disabledReason === null),
        search,
      ).flatMap(([, items]) => items),
    [types, search],
  );
  const pick = (type: TaskTypeDescription | undefined) => type && onPick(type);

  return (
    <div>
      <input
        type="search"
        value={search}
        placeholder="Search task types"
        aria-label="Search task types"
        data-autofocus
        data-testid="quick-add-search"
        className="block h-9 w-full rounded-md border border-slate-300 px-3 text-sm placeholder:text-slate-400 focus:outline-2 focus:-outline-offset-1 focus:outline-indigo-600"
        onChange={(event) => {
          setSearch(event.target.value);
          setActive(0);
        }}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
            event.preventDefault();
            const step = event.key === 'ArrowDown' ? 1 : -1;
            setActive((a) => (matches.length ? (a + step + matches.length) % matches.length : 0));
          } else if (event.key === 'Enter') {
            event.preventDefault();
            pick(matches[active]);
          }
        }}
      />
      <div role="listbox" aria-label="Task types" className="mt-2 max-h-72 overflow-y-auto">
        {matches.length === 0 && (
          <div className="px-3 py-6 text-center text-xs text-slate-500">No task type matches.</div>
        )}
        {matches.map((type, index) => (
          <div
            key={type.type}
            role="option"
            tabIndex={-1}
            aria-selected={index === active}
            data-testid={`quick-add-${type.type}`}
            onMouseEnter={() => setActive(index)}
            onClick={() => pick(type)}
            onKeyDown={() => {}}
            className={cn(
              'flex cursor-pointer items-center gap-3 rounded-md px-2.5 py-2',
              index === active ? 'bg-indigo-50' : 'hover:bg-slate-50',
            )}
          >
            <span className="flex size-7 shrink-0 items-center justify-center rounded-md bg-white text-indigo-600 ring-1 ring-indigo-100 ring-inset">
              <TaskTypeIcon type={type.type} glyph={type.icon} className="size-3.5" />
            </span>
            <span className="min-w-0">
              <span className="block font-medium text-slate-900">{type.title}</span>
              <span className="block truncate text-xs text-slate-500">{type.description}</span>
            </span>
            <span className="ml-auto text-[11px] text-slate-400">{type.category}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
