'use client';

import { useState } from 'react';
import { Button } from '@/app/_components/button';
import { CheckIcon, CopyIcon } from '@/app/_components/icons';

/** A secret shown once (an invite link, an API key), with a copy button. */
export function CopyOnce({
  value,
  note,
  'data-testid': testId,
}: {
  value: string;
  note: string;
  'data-testid'?: string;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="rounded-lg border border-emerald-200 bg-emerald-50 p-3">
      <p className="text-sm text-emerald-900">{note}</p>
      <div className="mt-2 flex gap-2">
        <input
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          data-testid={testId}
          className="h-8 min-w-0 flex-1 rounded-md border border-emerald-300 bg-white px-2 font-mono text-xs text-slate-900"
        />
        <Button
          size="sm"
          onClick={() =>
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? <CheckIcon className="size-3.5" /> : <CopyIcon className="size-3.5" />}
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
    </div>
  );
}
