import type { FlowRunState } from '@/server/engine/states';

/**
 * Chart colours per run state (the Tailwind hues of RunStateBadge), in
 * stacking order from the bottom: outcomes first, then what is in flight.
 */
export const stateSeries: { key: FlowRunState; label: string; color: string }[] = [
  { key: 'completed', label: 'Completed', color: '#10b981' },
  { key: 'failed', label: 'Failed', color: '#ef4444' },
  { key: 'crashed', label: 'Crashed', color: '#f97316' },
  { key: 'cancelled', label: 'Cancelled', color: '#94a3b8' },
  { key: 'cancelling', label: 'Cancelling', color: '#fbbf24' },
  { key: 'running', label: 'Running', color: '#0ea5e9' },
  { key: 'pending', label: 'Pending', color: '#a5b4fc' },
  { key: 'scheduled', label: 'Scheduled', color: '#cbd5e1' },
];
