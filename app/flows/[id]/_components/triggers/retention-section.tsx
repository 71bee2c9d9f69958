'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { Button } from '@/app/_components/button';
import { HistoryIcon } from '@/app/_components/icons';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { cn } from '@/app/_lib/cn';
import { useTRPC } from '@/app/_lib/trpc';
import { SheetSection } from './side-sheet';

type Mode = 'default' | 'days' | 'forever';

function days(n: number) {
  return `${n} day${n === 1 ? '' : 's'}`;
}

export function RetentionSection({ flowId }: { flowId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const retention = useQuery(trpc.flows.retention.get.queryOptions({ id: flowId }));
  const [mode, setMode] = useState<Mode>('default');
  const [text, setText] = useState('30');
  const [saved, setSaved] = useState(false);
  const loaded = retention.data;
  useEffect(() => {
    if (!loaded) return;
    const own = loaded.retentionDays;
    setMode(own === null ? 'default' : own === 0 ? 'forever' : 'days');
    setText(String(own && own > 0 ? own : loaded.defaultDays || 30));
  }, [loaded]);
  const save = useMutation(
    trpc.flows.retention.set.mutationOptions({
      onSuccess: (data) => {
        queryClient.setQueryData(trpc.flows.retention.get.queryKey({ id: flowId }), data);
        setSaved(true);
      },
    }),
  );
  const parsed = Number(text);
  const invalid =
    mode === 'days' && (!Number.isInteger(parsed) || parsed < 1 || parsed > 36500)
      ? 'Enter a whole number of days from 1 to 36500'
      : null;
  const defaultLabel = loaded
    ? loaded.defaultDays === 0
      ? 'forever'
      : days(loaded.defaultDays)
    : '…';

  const option = (value: Mode, label: ReactNode) => (
    <label
      className={cn(
        'flex cursor-pointer items-center gap-2.5 rounded-md px-3 py-2 ring-1 ring-inset',
        mode === value ? 'bg-indigo-50/60 ring-indigo-300' : 'ring-slate-200 hover:bg-slate-50',
      )}
    >
      <input
        type="radio"
        name="retention-mode"
        value={value}
        checked={mode === value}
        onChange={() => {
          setMode(value);
          setSaved(false);
        }}
        className="accent-indigo-600"
        data-testid={`retention-mode-${value}`}
      />
      {label}
    </label>
  );

  return (
    <SheetSection
      icon={<HistoryIcon className="size-4" />}
      title="Retention"
      description="Finished runs of this flow, with their logs, are deleted this long after they end. Runs still going are never deleted."
      data-testid="retention-section"
    >
      <form
        className="space-y-2"
        onSubmit={(event) => {
          event.preventDefault();
          if (invalid) return;
          save.mutate({
            id: flowId,
            retentionDays: mode === 'default' ? null : mode === 'forever' ? 0 : parsed,
          });
        }}
      >
        {option('default', <span>Server default ({defaultLabel})</span>)}
        {option(
          'days',
          <span className="flex items-center gap-2">
            Keep for
            <input
              type="number"
              min={1}
              max={36500}
              value={text}
              onChange={(event) => {
                setText(event.target.value);
                setMode('days');
                setSaved(false);
              }}
              aria-label="Days to keep finished runs"
              aria-invalid={invalid ? true : undefined}
              data-testid="retention-days"
              className="h-7 w-20 rounded-md border border-slate-300 px-2 text-sm tabular-nums focus:outline-2 focus:-outline-offset-1 focus:outline-indigo-600"
            />
            days
          </span>,
        )}
        {option('forever', <span>Keep forever</span>)}
        {invalid && (
          <p role="alert" className="text-xs text-red-600">
            {invalid}
          </p>
        )}
        {save.isError && (
          <p role="alert" className="text-xs text-red-600" data-testid="retention-error">
            Not saved: {apiErrorDetails(save.error).message}
          </p>
        )}
        <div className="flex items-center justify-end gap-3 pt-1">
          {saved && !save.isPending && (
            <span className="text-xs text-emerald-700" data-testid="retention-saved">
              Saved
            </span>
          )}
          <Button
            type="submit"
            size="sm"
            variant="primary"
            pending={save.isPending}
            disabled={!loaded || Boolean(invalid)}
            data-testid="save-retention"
          >
            Save retention
          </Button>
        </div>
      </form>
    </SheetSection>
  );
}
