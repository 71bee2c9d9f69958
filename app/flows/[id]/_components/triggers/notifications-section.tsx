'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/app/_components/alert';
import { Button } from '@/app/_components/button';
import { BellIcon, PlusIcon, TrashIcon } from '@/app/_components/icons';
import { RelativeTime } from '@/app/_components/relative-time';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { cn } from '@/app/_lib/cn';
import { useTRPC } from '@/app/_lib/trpc';
import { SheetSection } from './side-sheet';

const EVENTS = [
  { value: 'failure', label: 'Failure', hint: 'the run failed or crashed' },
  { value: 'success', label: 'Success', hint: 'the run completed' },
  { value: 'late', label: 'Late', hint: 'a scheduled run did not start on time' },
] as const;
type EventName = (typeof EVENTS)[number]['value'];

const statusStyles = {
  delivered: 'bg-emerald-50 text-emerald-700 ring-emerald-200',
  retrying: 'bg-amber-50 text-amber-800 ring-amber-200',
  failed: 'bg-red-50 text-red-700 ring-red-200',
} as const;

/** "hooks.slack.com/services/T0…" — enough to recognise, not the whole secret path. */
function shortUrl(url: string) {
  try {
    const u = new URL(url);
    const path = u.pathname.length > 24 ? `${u.pathname.slice(0, 24)}…` : u.pathname;
    return `${u.host}${path === '/' ? '' : path}`;
  } catch {
    return url;
  }
}

export function NotificationsSection({ flowId }: { flowId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(
    trpc.notifications.list.queryOptions(
      { flowId },
      // Deliveries finish in the background; keep their status fresh while open.
      { refetchInterval: 5000 },
    ),
  );
  const invalidate = () =>
    queryClient.invalidateQueries(trpc.notifications.list.queryFilter({ flowId }));
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<EventName[]>(['failure']);
  const create = useMutation(
    trpc.notifications.create.mutationOptions({
      onSuccess: () => {
        setUrl('');
        void invalidate();
      },
    }),
  );
  const remove = useMutation(trpc.notifications.delete.mutationOptions({ onSettled: invalidate }));
  const createError = create.isError ? apiErrorDetails(create.error) : null;
  const urlError = createError?.fieldErrors.url?.[0];
  const eventsError = createError?.fieldErrors.events?.[0];

  return (
    <SheetSection
      icon={<BellIcon className="size-4" />}
      title="Notifications"
      description="Post a message to a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat, Discord's /slack URL) when a run fails, succeeds or is late, with a link to the run."
      data-testid="notifications-section"
    >
      {list.isError ? (
        <Alert tone="error" title="Notifications could not be loaded">
          {apiErrorDetails(list.error).message}
        </Alert>
      ) : list.isPending ? (
        <div className="h-12 animate-pulse rounded-md bg-slate-100" aria-busy="true" />
      ) : list.data.length === 0 ? (
        <p
          className="rounded-md border border-dashed border-slate-300 px-3 py-4 text-center text-[13px] text-slate-500"
          data-testid="notifications-empty"
        >
          No notifications yet.
        </p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-md ring-1 ring-slate-200">
          {list.data.map((n) => (
            <li
              key={n.id}
              className="flex items-start gap-3 px-3 py-2.5"
              data-testid="notification-row"
              data-id={n.id}
            >
              <div className="min-w-0 flex-1">
                <p className="truncate font-mono text-xs text-slate-800" title={n.url}>
                  {shortUrl(n.url)}
                </p>
                <div className="mt-1.5 flex flex-wrap items-center gap-1.5">
                  {n.events.map((e) => (
                    <span
                      key={e}
                      className="rounded bg-slate-100 px-1.5 py-0.5 text-[11px] font-medium text-slate-600"
                    >
                      on {e}
                    </span>
                  ))}
                  {n.lastDeliveryStatus ? (
                    <span
                      className={cn(
                        'rounded px-1.5 py-0.5 text-[11px] font-medium ring-1 ring-inset',
                        statusStyles[n.lastDeliveryStatus],
                      )}
                      title={n.lastDeliveryError ?? undefined}
                      data-testid="notification-status"
                      data-status={n.lastDeliveryStatus}
                    >
                      {n.lastDeliveryStatus === 'delivered'
                        ? 'Delivered'
                        : n.lastDeliveryStatus === 'retrying'
                          ? `Retrying (try ${n.lastDeliveryAttempts ?? 1} failed)`
                          : `Failed after ${n.lastDeliveryAttempts ?? 1} tries`}
                      {n.lastDeliveryAt && (
                        <>
                          {' '}
                          · <RelativeTime date={n.lastDeliveryAt} />
                        </>
                      )}
                    </span>
                  ) : (
                    <span className="text-[11px] text-slate-400" data-testid="notification-status">
                      Nothing sent yet
                    </span>
                  )}
                </div>
                {n.lastDeliveryStatus !== 'delivered' && n.lastDeliveryError && (
                  <p className="mt-1 truncate text-[11px] text-red-600" title={n.lastDeliveryError}>
                    {n.lastDeliveryError}
                  </p>
                )}
              </div>
              <Button
                size="sm"
                variant="ghost"
                className="w-8 px-0 text-slate-400 hover:text-red-600"
                aria-label={`Remove the notification to ${shortUrl(n.url)}`}
                title="Remove"
                pending={remove.isPending && remove.variables?.id === n.id}
                onClick={() => remove.mutate({ id: n.id })}
                data-testid="remove-notification"
              >
                <TrashIcon className="size-3.5" />
              </Button>
            </li>
          ))}
        </ul>
      )}

      <form
        className="mt-4 rounded-md bg-slate-50 p-3 ring-1 ring-slate-200"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ flowId, url, events });
        }}
        data-testid="notification-form"
      >
        <label htmlFor="notification-url" className="block text-xs font-medium text-slate-700">
          Incoming webhook URL
        </label>
        <input
          id="notification-url"
          type="url"
          value={url}
          onChange={(event) => setUrl(event.target.value)}
          placeholder="https://hooks.slack.com/services/…"
          autoComplete="off"
          aria-invalid={urlError ? true : undefined}
          data-testid="notification-url"
          className={cn(
            'mt-1.5 block h-8 w-full rounded-md border bg-white px-2.5 text-[13px] placeholder:text-slate-400 focus:outline-2 focus:-outline-offset-1',
            urlError
              ? 'border-red-400 focus:outline-red-500'
              : 'border-slate-300 focus:outline-indigo-600',
          )}
        />
        {urlError && (
          <p role="alert" className="mt-1 text-xs text-red-600">
            URL {urlError}
          </p>
        )}
        <fieldset className="mt-3">
          <legend className="text-xs font-medium text-slate-700">Send when</legend>
          <div className="mt-1.5 flex flex-wrap gap-x-4 gap-y-1.5">
            {EVENTS.map((e) => (
              <label
                key={e.value}
                className="flex items-center gap-1.5 text-[13px] text-slate-700"
                title={e.hint}
              >
                <input
                  type="checkbox"
                  checked={events.includes(e.value)}
                  onChange={(event) =>
                    setEvents((current) =>
                      event.target.checked
                        ? [...current, e.value]
                        : current.filter((v) => v !== e.value),
                    )
                  }
                  className="accent-indigo-600"
                  data-testid={`notification-event-${e.value}`}
                />
                {e.label}
              </label>
            ))}
          </div>
        </fieldset>
        {(eventsError || (createError && !urlError)) && (
          <p role="alert" className="mt-2 text-xs text-red-600" data-testid="notification-error">
            {eventsError ?? createError?.message}
          </p>
        )}
        <div className="mt-3 flex justify-end">
          <Button
            type="submit"
            size="sm"
            pending={create.isPending}
            disabled={url.trim() === '' || events.length === 0}
            data-testid="add-notification"
          >
            <PlusIcon className="size-3.5" />
            Add notification
          </Button>
        </div>
      </form>
    </SheetSection>
  );
}
