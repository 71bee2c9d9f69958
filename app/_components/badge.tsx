import type { ReactNode } from 'react';
import { cn } from '@/app/_lib/cn';

type BadgeTone = 'neutral' | 'accent' | 'warning';

const tones: Record<BadgeTone, string> = {
  neutral: 'bg-slate-100 text-slate-700 ring-slate-200',
  accent: 'bg-indigo-50 text-indigo-700 ring-indigo-200',
  warning: 'bg-amber-50 text-amber-800 ring-amber-200',
};

export function Badge({
  tone = 'neutral',
  className,
  children,
  ...props
}: {
  tone?: BadgeTone;
  className?: string;
  children: ReactNode;
  title?: string;
  'data-testid'?: string;
}) {
  return (
    <span
      className={cn(
        'inline-flex items-center rounded-md px-1.5 py-0.5 text-xs font-medium tabular-nums ring-1 ring-inset',
        tones[tone],
        className,
      )}
      {...props}
    >
      {children}
    </span>
  );
}
