'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState } from 'react';
import { Button } from '@/app/_components/button';
import { Dialog } from '@/app/_components/dialog';
import { CheckIcon, CopyIcon, ShareIcon } from '@/app/_components/icons';
import { RelativeTime } from '@/app/_components/relative-time';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { absoluteDateTime } from '@/app/_lib/format-relative-time';
import { useTRPC } from '@/app/_lib/trpc';

/** Expiry choices, in hours (`never`: no expiry). */
const EXPIRIES = [
  { value: 'never', label: 'Never', hours: undefined },
  { value: '1', label: 'In 1 hour', hours: 1 },
  { value: '24', label: 'In 1 day', hours: 24 },
  { value: '168', label: 'In 7 days', hours: 168 },
  { value: '720', label: 'In 30 days', hours: 720 },
] as const;
type ExpiryValue = (typeof EXPIRIES)[number]['value'];

/** The header's "Share" button and its dialog. */
export function ShareRunButton({ runId }: { runId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)} data-testid="share-run">
        <ShareIcon className="size-3.5" />
        Share
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title="Share this run"
        description="Anyone with a link can watch this run live, read-only: no actions, and no way into the rest of Pipewright. Revoke a link at any time."
        footer={
          <Button variant="secondary" onClick={() => setOpen(false)}>
            Done
          </Button>
        }
        data-testid="share-dialog"
      >
        <SharePanel runId={runId} />
      </Dialog>
    </>
  );
}

/** Mounted only while the dialog is open: a minted URL is forgotten on close. */
function SharePanel({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const expiryId = useId();
  const [expiry, setExpiry] = useState<ExpiryValue>('never');
  const [minted, setMinted] = useState<{ id: string; url: string } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const links = useQuery(trpc.shares.list.queryOptions({ runId }, { staleTime: 0 }));
  const refreshLinks = () => queryClient.invalidateQueries(trpc.shares.list.pathFilter());
  const onError = (error: unknown) => setFailure(apiErrorDetails(error).message);
  const create = useMutation(
    trpc.shares.create.mutationOptions({
      onSuccess: async (share) => {
        setMinted({ id: share.id, url: share.url });
        await refreshLinks();
      },
      onError,
    }),
  );
  const revoke = useMutation(
    trpc.shares.revoke.mutationOptions({
      onSuccess: async ({ id }) => {
        if (minted?.id === id) setMinted(null);
        await refreshLinks();
      },
      onError,
    }),
  );

  return (
    <div className="flex flex-col gap-5">
      <form
        className="flex items-end gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          setFailure(null);
          const hours = EXPIRIES.find((e) => e.value === expiry)?.hours;
          create.mutate({ runId, expiresInHours: hours });
        }}
      >
        <div className="flex-1">
          <label htmlFor={expiryId} className="block text-sm font-medium text-slate-800">
            Link expires
          </label>
          <select
            id={expiryId}
            value={expiry}
            onChange={(event) => setExpiry(event.target.value as ExpiryValue)}
            className="mt-1.5 block h-9 w-full rounded-md border border-slate-300 bg-white px-2.5 text-sm text-slate-900 shadow-xs focus:outline-2 focus:-outline-offset-1 focus:outline-indigo-600"
            data-testid="share-expiry"
          >
            {EXPIRIES.map((e) => (
              <option key={e.value} value={e.value}>
                {e.label}
              </option>
            ))}
          </select>
        </div>
        <Button
          type="submit"
          variant="primary"
          pending={create.isPending}
          data-testid="create-share"
        >
          Create link
        </Button>
      </form>

      {minted && <MintedLink url={minted.url} />}

      {failure && (
        <p className="text-sm text-red-700" role="alert">
          {failure}
        </p>
      )}

      <section className="flex flex-col gap-2">
        <h3 className="text-xs font-medium tracking-wide text-slate-500 uppercase">
          Active links{links.data ? ` (${links.data.length})` : ''}
        </h3>
        {links.isPending ? (
          <p className="text-sm text-slate-500">Loading…</p>
        ) : links.isError ? (
          <p className="text-sm text-red-700">{apiErrorDetails(links.error).message}</p>
        ) : links.data.length === 0 ? (
          <p className="text-sm text-slate-500" data-testid="share-links-empty">
            No active links. Links appear here until they are revoked or expire.
          </p>
        ) : (
          <ul
            className="divide-y divide-slate-100 rounded-lg ring-1 ring-slate-200"
            data-testid="share-links"
          >
            {links.data.map((link) => (
              <li
                key={link.id}
                className="flex items-center gap-3 px-3 py-2"
                data-testid="share-link"
                data-share-id={link.id}
              >
                <div className="min-w-0 flex-1 text-sm">
                  <div className="flex items-center gap-2 text-slate-800">
                    <span>
                      Created <RelativeTime date={link.createdAt} />
                    </span>
                    {link.id === minted?.id && (
                      <span className="rounded-full bg-indigo-50 px-1.5 py-0.5 text-[10px] font-medium text-indigo-700 ring-1 ring-indigo-200 ring-inset">
                        new
                      </span>
                    )}
                  </div>
                  <div className="text-xs text-slate-500">
                    {link.expiresAt ? (
                      <span title={absoluteDateTime.format(link.expiresAt)}>
                        expires {formatExpiry(link.expiresAt)}
                      </span>
                    ) : (
                      'never expires'
                    )}
                    {link.createdBy && <> · by {link.createdBy}</>}
                  </div>
                </div>
                <Button
                  size="sm"
                  variant="ghost"
                  className="text-red-700! hover:bg-red-50! hover:text-red-800!"
                  onClick={() => {
                    setFailure(null);
                    revoke.mutate({ id: link.id });
                  }}
                  pending={revoke.isPending && revoke.variables?.id === link.id}
                  data-testid="revoke-share"
                >
                  Revoke
                </Button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** The URL, once: only its hash is stored, so this is the moment to copy it. */
function MintedLink({ url }: { url: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      // No clipboard API (plain http on another host): select it for Ctrl+C.
      input.current?.select();
      document.execCommand('copy');
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <div className="flex flex-col gap-2 rounded-lg bg-indigo-50/60 p-3 ring-1 ring-indigo-100">
      <div className="flex gap-2">
        <input
          ref={input}
          readOnly
          value={url}
          aria-label="Share link"
          onFocus={(event) => event.currentTarget.select()}
          className="h-9 min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-2.5 font-mono text-xs text-slate-900 focus:outline-2 focus:-outline-offset-1 focus:outline-indigo-600"
          data-testid="share-url"
        />
        <Button onClick={copy} data-testid="copy-share-url">
          {copied ? <CheckIcon className="size-3.5" /> : <CopyIcon className="size-3.5" />}
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
      <p className="text-xs text-indigo-900/80">
        Copy it now: only a fingerprint of the link is kept, so it can't be shown again. Lost it?
        Revoke it and create another.
      </p>
    </div>
  );
}

/** "in 59 min", "in 23 hours", "in 7 days" — or the date, further out. */
function formatExpiry(date: Date): string {
  const ms = date.getTime() - Date.now();
  if (ms <= 0) return 'now';
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return hours === 1 ? 'in 1 hour' : `in ${hours} hours`;
  const days = Math.round(hours / 24);
  if (days <= 60) return `in ${days} days`;
  return `on ${absoluteDateTime.format(date)}`;
}
