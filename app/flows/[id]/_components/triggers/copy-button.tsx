'use client';

import { useEffect, useState } from 'react';
import { Button } from '@/app/_components/button';
import { CheckIcon, CopyIcon } from '@/app/_components/icons';

/** Copies `text` and says so for a moment. */
export function CopyButton({
  text,
  label = 'Copy',
  'data-testid': testId,
}: {
  text: string;
  label?: string;
  'data-testid'?: string;
}) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <Button
      size="sm"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        );
      }}
      data-testid={testId}
      aria-live="polite"
    >
      {copied ? (
        <CheckIcon className="size-3.5 text-emerald-600" />
      ) : (
        <CopyIcon className="size-3.5" />
      )}
      {copied ? 'Copied' : label}
    </Button>
  );
}
