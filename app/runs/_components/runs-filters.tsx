'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_lib/trpc';
import { type FlowRunState, flowRunStates } from '@/server/engine/states';

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
      <input
        type="search"
        aria-label="Flow name contains"
        placeholder="Flow name contains…"
        className="h-9 w-64 rounded-md border border-slate-300 px-2 text-sm"
        value={filters.search}
        onChange={(e) => onChange({ ...filters, search: e.target.value })}
        data-testid="runs-filter-search"
      />
    </div>
  );
}
