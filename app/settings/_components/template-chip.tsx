'use client';

import { useState } from 'react';
import { CheckIcon, CopyIcon } from '@/app/_components/icons';

/** `{{ secrets.NAME }}` as it goes into a flow, with a button that copies it. */
export function TemplateChip({ template }: { template: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      title="Copy the template"
      onClick={() => {
        void navigator.clipboard?.writeText(template).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1200);
        });
      }}
      className="group inline-flex max-w-full items-center gap-1.5 rounded-md bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-600 hover:bg-indigo-50 hover:text-indigo-700 focus-visible:outline-2 focus-visible:outline-indigo-600"
    >
      <span className="truncate">{template}</span>
      {copied ? (
        <CheckIcon className="size-3 shrink-0 text-emerald-600" />
      ) : (
        <CopyIcon className="size-3 shrink-0 opacity-0 group-hover:opacity-100" />
      )}
    </button>
  );
}
