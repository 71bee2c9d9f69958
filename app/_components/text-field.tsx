import { type InputHTMLAttributes, type ReactNode, useId } from 'react';
import { cn } from '@/app/_lib/cn';

export interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> {
  label: ReactNode;
  /** Shown under the field in red; marks the input invalid for assistive tech. */
  error?: string | null;
  hint?: ReactNode;
}

export function TextField({ label, error, hint, className, ...props }: TextFieldProps) {
  const id = useId();
  const messageId = `${id}-message`;
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={error || hint ? messageId : undefined}
        className={cn(
          'mt-1.5 block h-9 w-full rounded-md border bg-white px-3 text-sm text-slate-900 shadow-xs placeholder:text-slate-400',
          'focus:outline-2 focus:-outline-offset-1',
          error
            ? 'border-red-400 focus:outline-red-500'
            : 'border-slate-300 focus:outline-indigo-600',
        )}
        {...props}
      />
      {error ? (
        <p id={messageId} role="alert" className="mt-1.5 text-sm text-red-600">
          {error}
        </p>
      ) : hint ? (
        <p id={messageId} className="mt-1.5 text-sm text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
