import type { ReactNode } from 'react';

/** The centred card sign-in, sign-up and invite pages share. */
export function AuthCard({
  title,
  subtitle,
  children,
  footer,
  'data-testid': testId,
}: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  'data-testid'?: string;
}) {
  return (
    <div className="flex min-h-[calc(100dvh-3rem)] items-start justify-center bg-slate-50 px-4 pt-20">
      <div className="w-full max-w-sm" data-testid={testId}>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="text-lg font-semibold tracking-tight text-slate-900">{title}</h1>
          {subtitle && <p className="mt-1.5 text-sm text-slate-600">{subtitle}</p>}
          <div className="mt-5">{children}</div>
        </div>
        {footer && <div className="mt-4 text-center text-sm text-slate-600">{footer}</div>}
      </div>
    </div>
  );
}
