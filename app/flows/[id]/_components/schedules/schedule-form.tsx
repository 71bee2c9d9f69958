'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState } from 'react';
import { Button } from '@/app/_components/button';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { cn } from '@/app/_lib/cn';
import { useTRPC } from '@/app/_lib/trpc';
import type { ParamDefinition } from '@/server/engine/document';
import {
  Field,
  inputClasses,
  NumberInput,
  Select,
  Switch,
  TextInput,
} from '../editor/form-controls';
import { FireTimes, viewerTimeZone } from './zoned-time';

/** A schedule as the list returns it (what the form edits). */
export interface EditableSchedule {
  id: string;
  name: string;
  description: string;
  kind: 'cron' | 'interval';
  cron: string | null;
  intervalSeconds: number | null;
  timezone: string;
  params: Record<string, unknown>;
  version: number | null;
  active: boolean;
  catchup: 'all' | 'latest' | 'skip';
  catchupWindowMinutes: number | null;
  lateAfterSeconds: number;
}

const UNITS = [
  { value: '1', label: 'seconds' },
  { value: '60', label: 'minutes' },
  { value: '3600', label: 'hours' },
  { value: '86400', label: 'days' },
] as const;

const CRON_EXAMPLES = [
  { cron: '0 12 * * *', label: 'daily at noon' },
  { cron: '0 9 * * 1-5', label: 'weekdays 09:00' },
  { cron: '*/15 * * * *', label: 'every 15 min' },
  { cron: '0 0 1 * *', label: 'monthly' },
];

function splitInterval(seconds: number | null): { amount: number | undefined; unit: string } {
  if (!seconds) return { amount: 1, unit: '3600' };
  for (const unit of ['86400', '3600', '60']) {
    if (seconds % Number(unit) === 0) return { amount: seconds / Number(unit), unit };
  }
  return { amount: seconds, unit: '1' };
}

function paramText(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function toParamValue(definition: ParamDefinition, text: string): unknown {
  const trimmed = text.trim();
  if (definition.type === 'number')
    return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
  if (definition.type === 'boolean')
    return text === 'true' ? true : text === 'false' ? false : text;
  if (definition.type === 'json') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** Waits for typing to settle before asking the server for a preview. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * Create or edit a schedule: cron or interval, timezone, version policy,
 * parameters, catch-up and lateness. As you type, the server describes the
 * timing and lists its next 5 fire times; a problem is shown on its field.
 */
export function ScheduleForm({
  flowId,
  params,
  latestVersion,
  editing,
  onDone,
  onCancel,
}: {
  flowId: string;
  params: Record<string, ParamDefinition>;
  latestVersion: number;
  editing: EditableSchedule | null;
  onDone: () => void;
  onCancel: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const initialInterval = splitInterval(editing?.intervalSeconds ?? null);
  // A name that is just the description is left empty, so it follows the timing.
  const [name, setName] = useState(
    editing && editing.name !== editing.description ? editing.name : '',
  );
  const [kind, setKind] = useState<'cron' | 'interval'>(editing?.kind ?? 'cron');
  const [cron, setCron] = useState(editing?.cron ?? '0 12 * * *');
  const [amount, setAmount] = useState<number | undefined>(initialInterval.amount);
  const [unit, setUnit] = useState<string>(initialInterval.unit);
  const [timezone, setTimezone] = useState(editing?.timezone ?? viewerTimeZone());
  const [version, setVersion] = useState<string | undefined>(
    editing?.version ? String(editing.version) : undefined,
  );
  const [paramTexts, setParamTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.keys(params).map((k) => [k, paramText(editing?.params[k])])),
  );
  const [catchup, setCatchup] = useState(editing?.catchup ?? 'latest');
  const [windowMinutes, setWindowMinutes] = useState<number | undefined>(
    editing?.catchupWindowMinutes ?? 30,
  );
  const [lateAfter, setLateAfter] = useState<number | undefined>(editing?.lateAfterSeconds ?? 60);
  const [active, setActive] = useState(editing?.active ?? true);

  const intervalSeconds = amount === undefined ? undefined : Math.round(amount * Number(unit));
  const timing = useDebounced(
    kind === 'cron'
      ? { kind, cron, timezone }
      : { kind, intervalSeconds: intervalSeconds ?? 0, timezone },
    250,
  );
  const preview = useQuery({
    ...trpc.schedules.upcoming.queryOptions(timing),
    retry: false,
    staleTime: 30_000,
  });
  const previewIssues = preview.isError ? apiErrorDetails(preview.error).documentIssues : [];

  const timezones = useMemo(() => {
    try {
      return Intl.supportedValuesOf('timeZone');
    } catch {
      return [];
    }
  }, []);

  const body = () => {
    const values: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(paramTexts)) {
      const definition = params[key];
      if (text.trim() !== '' && definition) values[key] = toParamValue(definition, text);
    }
    return {
      name: name.trim() || undefined,
      kind,
      ...(kind === 'cron' ? { cron } : { intervalSeconds: intervalSeconds ?? 0 }),
      timezone,
      params: values,
      version: version ? Number(version) : null,
      active,
      catchup,
      catchupWindowMinutes: catchup === 'skip' ? (windowMinutes ?? null) : null,
      lateAfterSeconds: lateAfter ?? 60,
    };
  };
  const create = useMutation(trpc.schedules.create.mutationOptions());
  const update = useMutation(trpc.schedules.update.mutationOptions());
  const saving = create.isPending || update.isPending;
  const failure = create.error ?? update.error;
  const failureIssues = failure ? apiErrorDetails(failure).documentIssues : [];
  const errorsFor = (path: string) => [
    ...previewIssues.filter((i) => i.path === path).map((i) => i.message),
    ...failureIssues.filter((i) => i.path === path).map((i) => i.message),
  ];
  const otherFailure =
    failure && failureIssues.length === 0 ? apiErrorDetails(failure).message : null;

  const submit = async () => {
    if (editing) await update.mutateAsync({ id: editing.id, ...body() });
    else await create.mutateAsync({ flowId, ...body() });
    await queryClient.invalidateQueries(trpc.schedules.list.pathFilter());
    await queryClient.invalidateQueries(trpc.runs.pathFilter());
    onDone();
  };

  return (
    <form
      className="space-y-4"
      data-testid="schedule-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit().catch(() => {});
      }}
    >
      <div className="flex gap-1 rounded-lg bg-slate-100 p-1 text-sm" role="radiogroup">
        {(['cron', 'interval'] as const).map((k) => (
          <button
            key={k}
            type="button"
            role="radio"
            aria-checked={kind === k}
            data-testid={`schedule-kind-${k}`}
            onClick={() => setKind(k)}
            className={cn(
              'flex-1 rounded-md px-3 py-1.5 font-medium transition-colors',
              kind === k
                ? 'bg-white text-slate-900 shadow-sm'
                : 'text-slate-500 hover:text-slate-800',
            )}
          >
            {k === 'cron' ? 'Cron expression' : 'Fixed interval'}
          </button>
        ))}
      </div>

      {kind === 'cron' ? (
        <Field
          label="Cron"
          htmlFor={`${id}-cron`}
          errors={errorsFor('cron')}
          hint="minute hour day month weekday — or 6 fields with seconds first"
        >
          <TextInput
            id={`${id}-cron`}
            value={cron}
            onChange={setCron}
            mono
            invalid={errorsFor('cron').length > 0}
            placeholder="0 12 * * *"
            data-testid="schedule-cron"
          />
          <div className="mt-1.5 flex flex-wrap gap-1">
            {CRON_EXAMPLES.map((example) => (
              <button
                key={example.cron}
                type="button"
                onClick={() => setCron(example.cron)}
                className="rounded-full bg-slate-100 px-2 py-0.5 text-[11px] text-slate-600 hover:bg-indigo-50 hover:text-indigo-700"
              >
                {example.label}
              </button>
            ))}
          </div>
        </Field>
      ) : (
        <Field
          label="Every"
          htmlFor={`${id}-amount`}
          errors={errorsFor('intervalSeconds')}
          hint="Counted from midnight in the timezone below, then a fixed duration (DST does not shift it)."
        >
          <div className="flex gap-2">
            <div className="w-28">
              <NumberInput
                id={`${id}-amount`}
                value={amount}
                onChange={setAmount}
                min={1}
                data-testid="schedule-interval"
                invalid={errorsFor('intervalSeconds').length > 0}
              />
            </div>
            <div className="w-32">
              <Select
                value={unit}
                options={UNITS}
                onChange={(v) => setUnit(v ?? '60')}
                aria-label="Interval unit"
                data-testid="schedule-interval-unit"
              />
            </div>
          </div>
        </Field>
      )}

      <Field label="Timezone" htmlFor={`${id}-tz`} errors={errorsFor('timezone')}>
        <input
          id={`${id}-tz`}
          list={`${id}-tz-list`}
          value={timezone}
          onChange={(event) => setTimezone(event.target.value)}
          className={cn(inputClasses(errorsFor('timezone').length > 0), 'h-8')}
          aria-invalid={errorsFor('timezone').length > 0 || undefined}
          autoComplete="off"
          spellCheck={false}
          data-testid="schedule-timezone"
        />
        <datalist id={`${id}-tz-list`}>
          {timezones.map((tz) => (
            <option key={tz} value={tz} />
          ))}
        </datalist>
      </Field>

      <div
        className="rounded-lg border border-slate-200 bg-slate-50 p-3"
        data-testid="schedule-preview"
        aria-live="polite"
      >
        {preview.isSuccess ? (
          <>
            <p
              className="text-sm font-medium text-slate-900"
              data-testid="schedule-preview-description"
            >
              {preview.data.description}
            </p>
            <p className="mb-1.5 mt-2 text-[11px] font-medium uppercase tracking-wide text-slate-500">
              Next 5 runs
            </p>
            <FireTimes times={preview.data.times} timeZone={preview.data.timezone} />
          </>
        ) : preview.isError ? (
          <p className="text-xs text-red-600" data-testid="schedule-preview-error">
            {previewIssues.length > 0
              ? 'Fix the timing to see when it runs.'
              : apiErrorDetails(preview.error).message}
          </p>
        ) : (
          <p className="text-xs text-slate-500">Working out the next runs…</p>
        )}
      </div>

      <div className="grid grid-cols-2 gap-3">
        <Field label="Name" htmlFor={`${id}-name`} optional>
          <TextInput
            id={`${id}-name`}
            value={name}
            onChange={setName}
            placeholder={preview.data?.description ?? 'The description'}
            data-testid="schedule-name"
          />
        </Field>
        <Field label="Version" htmlFor={`${id}-version`} errors={errorsFor('version')}>
          <Select
            id={`${id}-version`}
            value={version}
            emptyLabel="Latest at each run"
            options={Array.from({ length: latestVersion }, (_, i) => ({
              value: String(latestVersion - i),
              label: `Pinned: v${latestVersion - i}`,
            }))}
            onChange={setVersion}
            data-testid="schedule-version"
          />
        </Field>
      </div>

      {Object.keys(params).length > 0 && (
        <fieldset className="space-y-2">
          <legend className="mb-1 text-xs font-medium text-slate-700">Parameters</legend>
          {Object.entries(params).map(([key, definition]) => (
            <Field
              key={key}
              label={
                <span className="font-mono">
                  {key}{' '}
                  <span className="font-sans font-normal text-slate-400">{definition.type}</span>
                </span>
              }
              htmlFor={`${id}-param-${key}`}
              errors={errorsFor(`params.${key}`)}
              hint={
                definition.default !== undefined
                  ? `Empty uses the default: ${paramText(definition.default)}`
                  : definition.required
                    ? 'Required'
                    : undefined
              }
            >
              <TextInput
                id={`${id}-param-${key}`}
                value={paramTexts[key] ?? ''}
                onChange={(text) => setParamTexts((all) => ({ ...all, [key]: text }))}
                invalid={errorsFor(`params.${key}`).length > 0}
                data-testid={`schedule-param-${key}`}
              />
            </Field>
          ))}
        </fieldset>
      )}

      <div className="grid grid-cols-2 gap-3">
        <Field
          label="After downtime"
          htmlFor={`${id}-catchup`}
          hint="What happens to runs missed while no worker was running"
        >
          <Select
            id={`${id}-catchup`}
            value={catchup}
            options={[
              { value: 'latest', label: 'Run only the latest' },
              { value: 'all', label: 'Run all missed' },
              { value: 'skip', label: 'Skip runs later than…' },
            ]}
            onChange={(v) => setCatchup((v as typeof catchup) ?? 'latest')}
            data-testid="schedule-catchup"
          />
        </Field>
        {catchup === 'skip' && (
          <Field
            label="Skip after (minutes)"
            htmlFor={`${id}-window`}
            errors={errorsFor('catchupWindowMinutes')}
          >
            <NumberInput
              id={`${id}-window`}
              value={windowMinutes}
              onChange={setWindowMinutes}
              integer
              min={1}
              data-testid="schedule-catchup-window"
            />
          </Field>
        )}
        <Field
          label="Late after (seconds)"
          htmlFor={`${id}-late`}
          hint="Not started by then: shown as Late"
        >
          <NumberInput
            id={`${id}-late`}
            value={lateAfter}
            onChange={setLateAfter}
            integer
            min={1}
            data-testid="schedule-late-after"
          />
        </Field>
      </div>

      <div className="flex items-center gap-2 text-sm text-slate-700">
        <Switch
          checked={active}
          onChange={setActive}
          label="Active"
          data-testid="schedule-form-active"
        />
        {active ? 'Active: runs are scheduled' : 'Paused: nothing is scheduled'}
      </div>

      {otherFailure && (
        <p role="alert" className="text-sm text-red-600" data-testid="schedule-form-error">
          {otherFailure}
        </p>
      )}

      <div className="flex justify-end gap-2 border-t border-slate-100 pt-4">
        <Button onClick={onCancel} data-testid="schedule-cancel">
          Cancel
        </Button>
        <Button type="submit" variant="primary" pending={saving} data-testid="schedule-save">
          {editing ? 'Save schedule' : 'Create schedule'}
        </Button>
      </div>
    </form>
  );
}
