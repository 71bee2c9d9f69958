import { type FlowRunState, flowRunStates } from '@/server/engine/states';
import { RUN_TRIGGERS, type RunFilters, type RunTriggerFilter } from './runs-filters';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseDate(value: string | null): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The runs list's filters from its URL (`?flow=&state=&trigger=&from=&to=&q=`),
 * so a dashboard bar or a shared link opens the list already narrowed.
 * Unknown values are ignored rather than refused: it is a link, not an API.
 */
export function filtersFromQuery(query: URLSearchParams): RunFilters {
  const flow = query.get('flow');
  const state = query.get('state');
  const trigger = query.get('trigger');
  const from = parseDate(query.get('from'));
  const to = parseDate(query.get('to'));
  return {
    ...(flow && UUID.test(flow) ? { flowId: flow.toLowerCase() } : {}),
    ...(state && (flowRunStates as readonly string[]).includes(state)
      ? { state: state as FlowRunState }
      : {}),
    ...(trigger && (RUN_TRIGGERS as readonly string[]).includes(trigger)
      ? { trigger: trigger as RunTriggerFilter }
      : {}),
    ...(from ? { from } : {}),
    ...(to && (!from || to > from) ? { to } : {}),
    search: (query.get('q') ?? '').slice(0, 200),
  };
}

export function filtersToQuery(filters: RunFilters): string {
  const query = new URLSearchParams();
  if (filters.flowId) query.set('flow', filters.flowId);
  if (filters.state) query.set('state', filters.state);
  if (filters.trigger) query.set('trigger', filters.trigger);
  if (filters.from) query.set('from', filters.from.toISOString());
  if (filters.to) query.set('to', filters.to.toISOString());
  if (filters.search.trim()) query.set('q', filters.search.trim());
  return query.toString();
}

/** `<input type="datetime-local">` wants local "YYYY-MM-DDTHH:mm". */
export function toLocalInputValue(date: Date | undefined): string {
  if (!date) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function fromLocalInputValue(value: string): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
