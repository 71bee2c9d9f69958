'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { Button, IconButton } from '@/app/_components/button';
import { ClockIcon, PencilIcon, PlusIcon, TrashIcon, XIcon } from '@/app/_components/icons';
import { RunStateBadge } from '@/app/_components/run-state-badge';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { cn } from '@/app/_lib/cn';
import { useTRPC } from '@/app/_lib/trpc';
import type { ParamDefinition } from '@/server/engine/document';
import { Switch } from '../editor/form-controls';
import { type EditableSchedule, ScheduleForm } from './schedule-form';
import { FireTimes, formatZoned } from './zoned-time';

const catchupLabel = (s: { catchup: string; catchupWindowMinutes: number | null }) =>
  s.catchup === 'all'
    ? 'runs all missed'
    : s.catchup === 'latest'
      ? 'runs only the latest missed'
      : `skips runs over ${s.catchupWindowMinutes} min late`;

/**
 * The flow's schedules in a side panel: each with its description, timezone
 * and next 5 fire times, an active toggle, edit and delete; and the form to
 * add one. A native <dialog> (inert page, Esc, focus kept inside).
 */
export function SchedulesPanel({
  open,
  onClose,
  flowId,
  params,
  latestVersion,
}: {
  open: boolean;
  onClose: () => void;
  flowId: string;
  params: Record<string, ParamDefinition>;
  latestVersion: number;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [mode, setMode] = useState<
    { kind: 'list' } | { kind: 'form'; editing: EditableSchedule | null }
  >({ kind: 'list' });

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    else if (!open && dialog.open) dialog.close();
    if (!open) setMode({ kind: 'list' });
  }, [open]);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the backdrop click is a pointer shortcut; Esc and the close button are the keyboard way out.
    <dialog
      ref={ref}
      aria-label="Schedules"
      data-testid="schedules-panel"
      onCancel={(event) => {
        event.preventDefault();
        if (mode.kind === 'form') setMode({ kind: 'list' });
        else onClose();
      }}
      onClick={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
      className="fixed inset-y-0 right-0 left-auto m-0 h-full max-h-none w-full max-w-xl overflow-y-auto bg-white p-0 text-sm text-slate-700 shadow-2xl ring-1 ring-slate-900/10 backdrop:bg-slate-900/30"
    >
      {open && (
        <div className="flex min-h-full flex-col">
          <div className="sticky top-0 z-10 flex items-center justify-between gap-4 border-b border-slate-200 bg-white px-5 py-4">
            <div>
              <h2 className="flex items-center gap-2 text-base font-semibold text-slate-900">
                <ClockIcon className="size-4 text-indigo-600" />
                {mode.kind === 'form'
                  ? mode.editing
                    ? 'Edit schedule'
                    : 'New schedule'
                  : 'Schedules'}
              </h2>
              <p className="mt-0.5 text-xs text-slate-500">
                Runs are created ahead as Scheduled, and each fires once, on any worker.
              </p>
            </div>
            <IconButton label="Close" onClick={onClose} data-testid="schedules-close">
              <XIcon />
            </IconButton>
          </div>
          <div className="flex-1 px-5 py-4">
            {mode.kind === 'form' ? (
              <ScheduleForm
                flowId={flowId}
                params={params}
                latestVersion={latestVersion}
                editing={mode.editing}
                onDone={() => setMode({ kind: 'list' })}
                onCancel={() => setMode({ kind: 'list' })}
              />
            ) : (
              <ScheduleList
                flowId={flowId}
                onNew={() => setMode({ kind: 'form', editing: null })}
                onEdit={(s) => setMode({ kind: 'form', editing: s })}
              />
            )}
          </div>
        </div>
      )}
    </dialog>
  );
}

function ScheduleList({
  flowId,
  onNew,
  onEdit,
}: {
  flowId: string;
  onNew: () => void;
  onEdit: (s: EditableSchedule) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery({
    ...trpc.schedules.list.queryOptions({ flowId }),
    refetchInterval: 30_000,
  });
  const refresh = async () => {
    await queryClient.invalidateQueries(trpc.schedules.list.pathFilter());
    await queryClient.invalidateQueries(trpc.runs.pathFilter());
  };
  const pause = useMutation(trpc.schedules.pause.mutationOptions({ onSuccess: refresh }));
  const resume = useMutation(trpc.schedules.resume.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.schedules.delete.mutationOptions({ onSuccess: refresh }));
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const failure = pause.error ?? resume.error ?? remove.error;

  if (list.isPending) return <p className="text-slate-500">Loading schedules…</p>;
  if (list.isError)
    return <p className="text-red-600">The schedules could not be loaded: {list.error.message}</p>;

  return (
    <div className="space-y-3">
      {failure && (
        <p role="alert" className="text-sm text-red-600">
          {apiErrorDetails(failure).message}
        </p>
      )}
      {list.data.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 px-6 py-8 text-center">
          <ClockIcon className="mx-auto size-6 text-slate-400" />
          <p className="mt-2 font-medium text-slate-800">No schedules yet</p>
          <p className="mt-1 text-xs text-slate-500">
            Run this flow on a cron or every N minutes, in any timezone.
          </p>
        </div>
      ) : (
        <ul className="space-y-3">
          {list.data.map((s) => (
            <li
              key={s.id}
              className={cn(
                'rounded-lg border p-3.5 transition-colors',
                s.active ? 'border-slate-200 bg-white' : 'border-slate-200 bg-slate-50',
              )}
              data-testid="schedule-item"
              data-schedule-id={s.id}
              data-active={s.active}
            >
              <div className="flex items-start gap-3">
                <div className="min-w-0 flex-1">
                  <p
                    className={cn('font-medium', s.active ? 'text-slate-900' : 'text-slate-500')}
                    data-testid="schedule-name"
                  >
                    {s.name}
                  </p>
                  {s.name !== s.description && (
                    <p className="text-xs text-slate-600" data-testid="schedule-description">
                      {s.description}
                    </p>
                  )}
                  {s.name === s.description && (
                    <span className="sr-only" data-testid="schedule-description">
                      {s.description}
                    </span>
                  )}
                  <p className="mt-1 font-mono text-[11px] text-slate-500">
                    {s.kind === 'cron' ? s.cron : `every ${s.intervalSeconds} s`} · {s.timezone} ·{' '}
                    {s.version ? `v${s.version} pinned` : 'latest version'} · {catchupLabel(s)}
                  </p>
                </div>
                <div className="flex items-center gap-1">
                  <Switch
                    checked={s.active}
                    label={s.active ? 'Pause schedule' : 'Resume schedule'}
                    onChange={(on) =>
                      on ? resume.mutate({ id: s.id }) : pause.mutate({ id: s.id })
                    }
                    data-testid="schedule-active-toggle"
                  />
                  <IconButton label="Edit" onClick={() => onEdit(s)} data-testid="schedule-edit">
                    <PencilIcon />
                  </IconButton>
                  <IconButton
                    label="Delete"
                    onClick={() => setConfirmDelete(s.id)}
                    data-testid="schedule-delete"
                  >
                    <TrashIcon />
                  </IconButton>
                </div>
              </div>
              {confirmDelete === s.id && (
                <div className="mt-3 flex items-center justify-between gap-3 rounded-md bg-red-50 px-3 py-2 text-xs text-red-800">
                  Delete this schedule? Its upcoming runs are cancelled; past runs stay.
                  <div className="flex gap-1.5">
                    <Button size="sm" onClick={() => setConfirmDelete(null)}>
                      Keep
                    </Button>
                    <Button
                      size="sm"
                      variant="danger"
                      pending={remove.isPending}
                      onClick={() => remove.mutate({ id: s.id })}
                      data-testid="schedule-delete-confirm"
                    >
                      Delete
                    </Button>
                  </div>
                </div>
              )}
              {s.notice && (
                <p className="mt-2 rounded-md bg-amber-50 px-2.5 py-1.5 text-xs text-amber-800">
                  {s.notice}
                </p>
              )}
              <div className="mt-3">
                <p className="mb-1 text-[11px] font-medium uppercase tracking-wide text-slate-500">
                  {s.active ? 'Next 5 runs' : 'Paused — would run next at'}
                </p>
                <FireTimes
                  times={s.upcoming}
                  timeZone={s.timezone}
                  data-testid="schedule-upcoming"
                />
              </div>
              {s.lastRun && (
                <p className="mt-2 flex items-center gap-2 text-xs text-slate-500">
                  Last fired:
                  <Link href={`/runs/${s.lastRun.id}`} className="text-indigo-600 hover:underline">
                    {formatZoned(s.lastRun.scheduledFor, s.timezone)}
                  </Link>
                  <RunStateBadge state={s.lastRun.state} />
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      <Button variant="primary" onClick={onNew} data-testid="new-schedule">
        <PlusIcon />
        New schedule
      </Button>
    </div>
  );
}

/** The editor toolbar's "Schedules" button, with the number of active schedules. */
export function SchedulesButton({
  flowId,
  params,
  latestVersion,
}: {
  flowId: string;
  params: Record<string, ParamDefinition>;
  latestVersion: number;
}) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const list = useQuery(trpc.schedules.list.queryOptions({ flowId }));
  const active = list.data?.filter((s) => s.active).length ?? 0;
  return (
    <>
      <Button
        variant="ghost"
        size="sm"
        onClick={() => setOpen(true)}
        data-testid="open-schedules"
        title="Run this flow on a schedule"
      >
        <ClockIcon />
        Schedules
        {active > 0 && (
          <span
            className="rounded-full bg-indigo-100 px-1.5 text-[11px] font-semibold text-indigo-700"
            data-testid="active-schedules-count"
          >
            {active}
          </span>
        )}
      </Button>
      <SchedulesPanel
        open={open}
        onClose={() => setOpen(false)}
        flowId={flowId}
        params={params}
        latestVersion={latestVersion}
      />
    </>
  );
}
