'use client';

import { useQuery } from '@tanstack/react-query';
import { HOLD_EARLY_CLICKS } from '@/app/_lib/early-clicks';
import { useTRPC } from '@/app/_lib/trpc';
import { type FlowRunState, flowRunStates } from '@/server/engine/states';
import { fromLocalInputValue, toLocalInputValue } from './run-filters-url';

/** Kept in step with `runTriggers` in db/schema/runs.ts (not imported: server-only module). */
export const RUN_TRIGGERS = [
  'manual',
  'schedule',
  'webhook',
  'api',
  'cli',
  'subflow',
  'retry',
] as const;
export type RunTriggerFilter = (typeof RUN_TRIGGERS)[number];

export interface RunFilters {
  flowId?: string;
  state?: FlowRunState;
  trigger?: RunTriggerFilter;
  /** Created at or after / before. */
  from?: Date;
  to?: Date;
  /** Flow name, parameters or run id. */
  search: string;
}

const selectClass = 'h-9 rounded-md border border-slate-300 bg-white px-2 text-sm text-slate-700';

export function RunsFilters({
  filters,
  onChange,
}: {
  filters: RunFilters;
  onChange(filters: RunFilters): void;
}) {
  const trpc = useTRPC();
  const flows = useQuery(trpc.flows.list.queryOptions());
  return (
    <div className="flex flex-wrap items-center gap-2" data-testid="runs-filters">
      <select
        aria-label="Flow"
        className={selectClass}
        value={filters.flowId ?? ''}
        onChange={(e) => onChange({ ...filters, flowId: e.target.value || undefined })}
        data-testid="runs-filter-flow"
      >
        <option value="">All flows</option>
        {(flows.data ?? []).map((f) => (
          <option key={f.id} value={f.id}>
            {f.name}
          </option>
        ))}
      </select>
      <select
        aria-label="State"
        className={selectClass}
        value={filters.state ?? ''}
        onChange={(e) =>
          onChange({ ...filters, state: (e.target.value || undefined) as FlowRunState | undefined })
        }
        data-testid="runs-filter-state"
      >
        <option value="">Any state</option>
        {flowRunStates.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <select
        aria-label="Trigger"
        className={selectClass}
        value={filters.trigger ?? ''}
        onChange={(e) =>
          onChange({
            ...filters,
            trigger: (e.target.value || undefined) as RunTriggerFilter | undefined,
          })
        }
        data-testid="runs-filter-trigger"
      >
        <option value="">Any trigger</option>
        {RUN_TRIGGERS.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
      <label className="flex items-center gap-1.5 text-xs text-slate-500">
        From
        <input
          type="datetime-local"
          aria-label="Created from"
          className="h-9 rounded-md border border-slate-300 bg-white px-2 text-sm text-slate-700"
          value={toLocalInputValue(filters.from)}
          max={toLocalInputValue(filters.to)}
          onChange={(e) => onChange({ ...filters, from: fromLocalInputValue(e.target.value) })}
          data-testid="runs-filter-from"
        />
      </label>
      <label className="flex items-center gap-1.5 text-xs text-slate-500">
        to
        <input
          type="datetime-local"
          aria-label="Created before"
          className="h-9 rounded-md border border-slate-300 bg-white px-2 text-sm text-slate-700"
          value={toLocalInputValue(filters.to)}
          min={toLocalInputValue(filters.from)}
          onChange={(e) => onChange({ ...filters, to: fromLocalInputValue(e.target.value) })}
          data-testid="runs-filter-to"
        />
      </label>
      <input
        type="search"
        aria-label="Search runs by flow name, parameters or run id"
        placeholder="Flow, parameter or run id…"
        className="h-9 w-64 rounded-md border border-slate-300 px-2 text-sm"
        value={filters.search}
        onChange={(e) => onChange({ ...filters, search: e.target.value })}
        data-testid="runs-filter-search"
      />
      {(filters.flowId ||
        filters.state ||
        filters.trigger ||
        filters.from ||
        filters.to ||
        filters.search) && (
        <button
          type="button"
          className="h-9 rounded-md px-2 text-sm text-slate-500 hover:bg-slate-100 hover:text-slate-900"
          onClick={() => onChange({ search: '' })}
          data-testid="runs-filter-clear"
          {...HOLD_EARLY_CLICKS}
        >
          Clear filters
        </button>
      )}
    </div>
  );
}
