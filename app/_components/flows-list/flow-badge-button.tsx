'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, IconButton } from '@/app/_components/button';
import { Dialog } from '@/app/_components/dialog';
import { CheckIcon, CopyIcon } from '@/app/_components/icons';
import { useTRPC } from '@/app/_lib/trpc';

/** A shield outline: the "status badge" action. */
function ShieldIcon() {
  return (
    <svg
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      className="size-4"
    >
      <path d="M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z" />
      <path d="m9 12 2 2 4-4" />
    </svg>
  );
}

/**
 * The flow's status badge for a README: a row action that opens a dialog
 * with the live badge and its Markdown, ready to copy.
 */
export function FlowBadgeButton({ flow }: { flow: { id: string; name: string } }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <IconButton
        label={`Status badge for ${flow.name}`}
        onClick={() => setOpen(true)}
        data-testid="flow-badge"
      >
        <ShieldIcon />
      </IconButton>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title="Status badge"
        description={
          <>
            Shows the state of <span className="font-medium text-slate-900">{flow.name}</span>'s
            latest run — passing, failing, running, cancelled — wherever you paste it.
          </>
        }
        footer={
          <Button variant="secondary" onClick={() => setOpen(false)}>
            Done
          </Button>
        }
        data-testid="badge-dialog"
      >
        <BadgeSnippet flowId={flow.id} />
      </Dialog>
    </>
  );
}

function BadgeSnippet({ flowId }: { flowId: string }) {
  const trpc = useTRPC();
  const snippet = useQuery(
    trpc.dashboard.badgeSnippet.queryOptions({ flowId, origin: window.location.origin }),
  );
  const [copied, setCopied] = useState(false);

  if (snippet.isPending) return <p className="text-slate-500">Loading…</p>;
  if (snippet.isError)
    return <p className="text-red-700">Could not make the badge: {snippet.error.message}</p>;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(snippet.data.markdown);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // No clipboard permission (plain http): select the text for Ctrl+C.
      document.querySelector<HTMLTextAreaElement>('[data-testid="badge-markdown"]')?.select();
    }
  };

  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-center justify-center rounded-lg border border-slate-200 bg-slate-50 py-5">
        {/* biome-ignore lint/performance/noImgElement: a live SVG from our own API, not an asset to optimise. */}
        <img
          src={snippet.data.imageUrl}
          alt={`Pipewright status of ${snippet.data.flowName}`}
          height={20}
          data-testid="badge-preview"
        />
      </div>
      <div>
        <label htmlFor="badge-markdown" className="block text-sm font-medium text-slate-800">
          Markdown for your README
        </label>
        <textarea
          id="badge-markdown"
          readOnly
          rows={3}
          value={snippet.data.markdown}
          onFocus={(e) => e.currentTarget.select()}
          className="mt-1.5 block w-full resize-none rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs text-slate-800"
          data-testid="badge-markdown"
        />
        <div className="mt-2 flex items-center justify-between gap-2">
          <p className="text-xs text-slate-500">
            Image: <code className="break-all">{snippet.data.imageUrl}</code>
          </p>
          <Button size="sm" onClick={() => void copy()} data-testid="badge-copy" data-autofocus>
            {copied ? <CheckIcon /> : <CopyIcon />}
            {copied ? 'Copied' : 'Copy'}
          </Button>
        </div>
      </div>
    </div>
  );
}
