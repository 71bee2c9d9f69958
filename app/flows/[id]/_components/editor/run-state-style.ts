import type { TaskRunState } from '@/server/engine/states';

/** Label, colours and ring tone of each task run state on the canvas. */
export const runStateStyles: Record<
  TaskRunState,
  {
    label: string;
    pill: string;
    tone: 'running' | 'completed' | 'failed' | 'warning' | 'muted' | undefined;
  }
> = {
  pending: {
    label: 'Pending',
    pill: 'bg-slate-100 text-slate-600 ring-slate-200',
    tone: undefined,
  },
  running: { label: 'Running', pill: 'bg-sky-50 text-sky-700 ring-sky-200', tone: 'running' },
  retrying: {
    label: 'Retrying',
    pill: 'bg-amber-50 text-amber-800 ring-amber-200',
    tone: 'warning',
  },
  completed: {
    label: 'Completed',
    pill: 'bg-emerald-50 text-emerald-700 ring-emerald-200',
    tone: 'completed',
  },
  cached: { label: 'Cached', pill: 'bg-teal-50 text-teal-700 ring-teal-200', tone: 'completed' },
  failed: { label: 'Failed', pill: 'bg-red-50 text-red-700 ring-red-200', tone: 'failed' },
  skipped: { label: 'Skipped', pill: 'bg-slate-50 text-slate-500 ring-slate-200', tone: 'muted' },
  cancelled: {
    label: 'Cancelled',
    pill: 'bg-slate-100 text-slate-600 ring-slate-200',
    tone: 'muted',
  },
  timedout: {
    label: 'Timed out',
    pill: 'bg-orange-50 text-orange-800 ring-orange-200',
    tone: 'failed',
  },
};
