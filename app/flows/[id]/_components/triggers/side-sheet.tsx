'use client';

import { type ReactNode, useEffect, useId, useRef } from 'react';
import { XIcon } from '@/app/_components/icons';

/**
 * A modal panel sliding in from the right, on the native <dialog> like
 * Dialog (inert page, Esc, focus kept inside), for settings too long for a
 * centred dialog.
 */
export function SideSheet({
  open,
  onClose,
  title,
  description,
  children,
  'data-testid': testId,
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  children: ReactNode;
  'data-testid'?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current =
        document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      if (opener.current?.isConnected) opener.current.focus();
    }
  }, [open]);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the backdrop click is a pointer shortcut; Esc and the close button are the keyboard way out.
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
      className="fixed inset-y-0 right-0 left-auto m-0 h-dvh max-h-none w-full max-w-xl bg-white p-0 text-sm text-slate-700 shadow-2xl ring-1 ring-slate-900/10 backdrop:bg-slate-900/30"
    >
      {open && (
        <div className="flex h-full flex-col">
          <div className="flex items-start justify-between gap-4 border-b border-slate-200 px-6 py-4">
            <div>
              <h2 id={titleId} className="text-base font-semibold text-slate-900">
                {title}
              </h2>
              {description && <p className="mt-0.5 text-[13px] text-slate-500">{description}</p>}
            </div>
            <button
              type="button"
              onClick={onClose}
              aria-label="Close"
              data-testid="side-sheet-close"
              className="-m-1 rounded-md p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-600 focus-visible:outline-2 focus-visible:outline-indigo-600"
            >
              <XIcon />
            </button>
          </div>
          <div className="min-h-0 flex-1 divide-y divide-slate-100 overflow-y-auto">{children}</div>
        </div>
      )}
    </dialog>
  );
}

/** One titled block of the sheet. */
export function SheetSection({
  icon,
  title,
  description,
  children,
  'data-testid': testId,
}: {
  icon: ReactNode;
  title: string;
  description: ReactNode;
  children: ReactNode;
  'data-testid'?: string;
}) {
  return (
    <section className="px-6 py-5" data-testid={testId}>
      <div className="flex items-center gap-2">
        <span className="flex size-7 items-center justify-center rounded-md bg-indigo-50 text-indigo-600">
          {icon}
        </span>
        <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
      </div>
      <p className="mt-1.5 text-[13px] text-slate-500">{description}</p>
      <div className="mt-4">{children}</div>
    </section>
  );
}
