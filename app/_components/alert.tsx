import type { ReactNode } from 'react';
import { cn } from '@/app/_lib/cn';
import { AlertIcon, CheckCircleIcon, XIcon } from './icons';

type AlertTone = 'error' | 'success';

const tones: Record<AlertTone, { box: string; icon: string }> = {
  error: { box: 'border-red-200 bg-red-50 text-red-900', icon: 'text-red-500' },
  success: { box: 'border-emerald-200 bg-emerald-50 text-emerald-900', icon: 'text-emerald-600' },
};

/** A message box for the outcome of an action; errors are announced as alerts. */
export function Alert({
  tone,
  title,
  children,
  onDismiss,
  className,
  'data-testid': testId,
}: {
  tone: AlertTone;
  title: ReactNode;
  children?: ReactNode;
  onDismiss?: () => void;
  className?: string;
  'data-testid'?: string;
}) {
  const Icon = tone === 'error' ? AlertIcon : CheckCircleIcon;
  return (
    <div
      role={tone === 'error' ? 'alert' : 'status'}
      data-testid={testId}
      className={cn('flex gap-3 rounded-lg border p-3.5 text-sm', tones[tone].box, className)}
    >
      <Icon className={cn('mt-0.5 size-4 shrink-0', tones[tone].icon)} />
      <div className="min-w-0 flex-1">
        <div className="font-medium">{title}</div>
        {children && <div className="mt-1.5">{children}</div>}
      </div>
      {onDismiss && (
        <button
          type="button"
          onClick={onDismiss}
          aria-label="Dismiss"
          className="-m-1 self-start rounded-md p-1 opacity-60 hover:bg-black/5 hover:opacity-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
        >
          <XIcon />
        </button>
      )}
    </div>
  );
}
