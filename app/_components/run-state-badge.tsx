import { cn } from '@/app/_lib/cn';
import type { FlowRunState } from '@/server/engine/states';

const styles: Record<FlowRunState, { label: string; className: string }> = {
  scheduled: { label: 'Scheduled', className: 'bg-slate-100 text-slate-700 ring-slate-200' },
  pending: { label: 'Pending', className: 'bg-slate-100 text-slate-700 ring-slate-200' },
  running: { label: 'Running', className: 'bg-sky-50 text-sky-700 ring-sky-200' },
  completed: { label: 'Completed', className: 'bg-emerald-50 text-emerald-700 ring-emerald-200' },
  failed: { label: 'Failed', className: 'bg-red-50 text-red-700 ring-red-200' },
  cancelling: { label: 'Cancelling', className: 'bg-amber-50 text-amber-800 ring-amber-200' },
  cancelled: { label: 'Cancelled', className: 'bg-slate-100 text-slate-600 ring-slate-200' },
  crashed: { label: 'Crashed', className: 'bg-orange-50 text-orange-800 ring-orange-200' },
};

/** A scheduled run not started within its schedule's threshold. */
const lateStyle = { label: 'Late', className: 'bg-amber-50 text-amber-800 ring-amber-300' };

/** A flow run's state as a coloured pill; a late scheduled run says Late. */
export function RunStateBadge({
  state,
  late = false,
  className,
}: {
  state: FlowRunState;
  late?: boolean;
  className?: string;
}) {
  const style = late ? lateStyle : styles[state];
  return (
    <span
      className={cn(
        'inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset',
        style.className,
        className,
      )}
      data-testid="run-state-badge"
      data-state={state}
      data-late={late || undefined}
    >
      {style.label}
    </span>
  );
}
