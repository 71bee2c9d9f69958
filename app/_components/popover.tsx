'use client';

import { type ReactNode, useEffect, useRef } from 'react';
import { cn } from '@/app/_lib/cn';

/**
 * A panel anchored under its trigger (the caller renders both inside a
 * `relative` box). Closes on Esc and on a click outside; focus moves to the
 * element marked `data-autofocus`, else the first focusable one.
 */
export function Popover({
  open,
  onClose,
  children,
  align = 'end',
  className,
  'data-testid': testId,
  label,
}: {
  open: boolean;
  onClose: () => void;
  children: ReactNode;
  align?: 'start' | 'end';
  className?: string;
  'data-testid'?: string;
  label: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const panel = ref.current;
    const first =
      panel?.querySelector<HTMLElement>('[data-autofocus]') ??
      panel?.querySelector<HTMLElement>('input, textarea, select, button, [href]');
    first?.focus();
    const onPointerDown = (event: PointerEvent) => {
      const anchor = panel?.parentElement;
      if (anchor && !anchor.contains(event.target as Node)) onClose();
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        onClose();
      }
    };
    document.addEventListener('pointerdown', onPointerDown);
    document.addEventListener('keydown', onKeyDown, true);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      document.removeEventListener('keydown', onKeyDown, true);
    };
  }, [open, onClose]);
  if (!open) return null;
  return (
    <div
      ref={ref}
      role="dialog"
      aria-label={label}
      data-testid={testId}
      className={cn(
        'absolute top-full z-50 mt-1.5 rounded-lg bg-white p-1 text-sm shadow-lg ring-1 ring-slate-900/10',
        align === 'end' ? 'right-0' : 'left-0',
        className,
      )}
    >
      {children}
    </div>
  );
}

/** A row of a menu inside a Popover. */
export function MenuItem({
  children,
  description,
  onClick,
  icon,
  disabled,
  'data-testid': testId,
}: {
  children: ReactNode;
  description?: ReactNode;
  onClick: () => void;
  icon?: ReactNode;
  disabled?: boolean;
  'data-testid'?: string;
}) {
  return (
    <button
      type="button"
      role="menuitem"
      onClick={onClick}
      disabled={disabled}
      data-testid={testId}
      className="flex w-full items-start gap-2.5 rounded-md px-2.5 py-2 text-left hover:bg-slate-50 focus-visible:bg-slate-50 focus-visible:outline-none disabled:opacity-50"
    >
      {icon && <span className="mt-0.5 shrink-0 text-slate-500">{icon}</span>}
      <span className="min-w-0">
        <span className="block font-medium text-slate-900">{children}</span>
        {description && <span className="mt-0.5 block text-xs text-slate-500">{description}</span>}
      </span>
    </button>
  );
}
