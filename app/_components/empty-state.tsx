import type { ReactNode } from 'react';
import { cn } from '@/app/_lib/cn';

/** The placeholder for a list or canvas with nothing in it: what goes here and how to add it. */
export function EmptyState({
  icon,
  title,
  children,
  actions,
  className,
  'data-testid': testId,
}: {
  icon?: ReactNode;
  title: ReactNode;
  children?: ReactNode;
  actions?: ReactNode;
  className?: string;
  'data-testid'?: string;
}) {
  return (
    <div
      data-testid={testId}
      className={cn(
        'mx-auto flex max-w-lg flex-col items-center px-6 py-14 text-center',
        className,
      )}
    >
      {icon && (
        <div className="mb-4 flex size-11 items-center justify-center rounded-xl bg-indigo-50 text-indigo-600 ring-1 ring-indigo-100">
          {icon}
        </div>
      )}
      <h2 className="text-base font-semibold text-slate-900">{title}</h2>
      {children && <div className="mt-2 text-sm leading-6 text-slate-600">{children}</div>}
      {actions && <div className="mt-6 flex flex-wrap justify-center gap-2">{actions}</div>}
    </div>
  );
}
