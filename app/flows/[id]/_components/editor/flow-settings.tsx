'use client';

import { useEffect, useState } from 'react';
import { Button } from '@/app/_components/button';
import { PlusIcon, TrashIcon } from '@/app/_components/icons';
import { cn } from '@/app/_lib/cn';
import type { DocumentIssue, ParamDefinition } from '@/server/engine/document';
import type { FlowMeta } from './editor-graph';
import { useEditorOverlay, useEditorStore, useEditorStoreApi } from './editor-store';
import {
  Field,
  inputClasses,
  JsonTextarea,
  NumberInput,
  PanelSection,
  Select,
  TextInput,
} from './form-controls';

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PARAM_TYPES = ['string', 'number', 'boolean', 'json'] as const;

function withoutKey<T extends object>(object: T, key: keyof T): T {
  const next = { ...object };
  delete next[key];
  return next;
}

/** The flow as a whole: name, description, parameters, concurrency and timeout. */
export function FlowSettingsPanel() {
  const store = useEditorStoreApi();
  const meta = useEditorStore((s) => s.meta);
  const issues = useEditorOverlay((s) => s.otherIssues);
  const update = (change: (meta: FlowMeta) => FlowMeta, field: string) =>
    store.getState().updateMeta(change, `meta:${field}`);
  const at = (path: string) =>
    issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`)).map((i) => i.message);

  const maxConcurrency = meta.settings?.maxConcurrency;
  const mode =
    maxConcurrency === undefined ? 'unlimited' : maxConcurrency === 1 ? 'sequential' : 'concurrent';
  type Settings = NonNullable<FlowMeta['settings']>;
  const setSetting = <K extends keyof Settings>(key: K, value: Settings[K] | undefined) =>
    update((m) => {
      const settings = { ...(m.settings ?? {}) };
      if (value === undefined) delete settings[key];
      else settings[key] = value;
      return Object.keys(settings).length === 0 && m.settings === undefined
        ? m
        : Object.keys(settings).length === 0
          ? withoutKey(m, 'settings')
          : { ...m, settings };
    }, `settings.${key}`);

  return (
    <div data-testid="flow-settings">
      <PanelSection title="Flow">
        <Field label="Name" htmlFor="flow-name-input" errors={at('name')}>
          <TextInput
            id="flow-name-input"
            value={meta.name}
            invalid={at('name').length > 0}
            onChange={(name) => update((m) => ({ ...m, name }), 'name')}
            data-testid="flow-name-input"
          />
        </Field>
        <Field label="Description" htmlFor="flow-description-input" optional>
          <textarea
            id="flow-description-input"
            rows={2}
            value={meta.description ?? ''}
            className={cn(inputClasses(), 'py-1.5')}
            onChange={(event) => {
              const description = event.target.value;
              update(
                (m) => (description === '' ? withoutKey(m, 'description') : { ...m, description }),
                'description',
              );
            }}
          />
        </Field>
      </PanelSection>

      <ParametersSection issues={issues} />

      <PanelSection title="Execution">
        <fieldset data-testid="concurrency-settings">
          <legend className="mb-1.5 text-xs font-medium text-slate-700">Tasks at once</legend>
          <div className="grid grid-cols-3 gap-1 rounded-md bg-slate-100 p-0.5 text-xs">
            {(
              [
                ['sequential', 'Sequential'],
                ['concurrent', 'Concurrent'],
                ['unlimited', 'Unlimited'],
              ] as const
            ).map(([value, label]) => (
              <label
                key={value}
                className={cn(
                  'cursor-pointer rounded px-2 py-1.5 text-center font-medium has-focus-visible:outline-2 has-focus-visible:outline-indigo-600',
                  mode === value
                    ? 'bg-white text-slate-900 shadow-sm'
                    : 'text-slate-600 hover:text-slate-900',
                )}
              >
                <input
                  type="radio"
                  name="concurrency"
                  value={value}
                  checked={mode === value}
                  className="sr-only"
                  data-testid={`concurrency-${value}`}
                  onChange={() =>
                    setSetting(
                      'maxConcurrency',
                      value === 'sequential' ? 1 : value === 'concurrent' ? 4 : undefined,
                    )
                  }
                />
                {label}
              </label>
            ))}
          </div>
          {mode === 'concurrent' && (
            <div className="mt-2 flex items-center gap-2 text-xs text-slate-600">
              At most
              <div className="w-20">
                <NumberInput
                  integer
                  min={2}
                  max={1000}
                  value={maxConcurrency}
                  aria-label="Maximum tasks at once"
                  onChange={(v) => setSetting('maxConcurrency', v ?? 4)}
                  data-testid="max-concurrency"
                />
              </div>
              tasks at once
            </div>
          )}
          {at('settings.maxConcurrency').map((m) => (
            <p key={m} className="mt-1 text-xs text-red-600">
              {m}
            </p>
          ))}
        </fieldset>
        <Field
          label="Flow timeout (s)"
          htmlFor="flow-timeout"
          optional
          errors={at('settings.timeoutSeconds')}
          hint="The whole run is cancelled past this."
        >
          <NumberInput
            id="flow-timeout"
            min={1}
            value={meta.settings?.timeoutSeconds}
            onChange={(v) => setSetting('timeoutSeconds', v)}
            data-testid="flow-timeout"
          />
        </Field>
        <Field
          label="Worker pool"
          htmlFor="flow-pool"
          optional
          errors={at('settings.pool')}
          hint="Tasks run only on workers started with --pool <name>; a node's own pool wins."
        >
          <TextInput
            id="flow-pool"
            value={meta.settings?.pool ?? ''}
            placeholder="default"
            onChange={(v) => setSetting('pool', v === '' ? undefined : v)}
            data-testid="flow-pool"
          />
        </Field>
      </PanelSection>
    </div>
  );
}

function ParametersSection({ issues }: { issues: readonly DocumentIssue[] }) {
  const store = useEditorStoreApi();
  const params = useEditorStore((s) => s.meta.params);
  const entries = Object.entries(params ?? {});
  const setParams = (next: [string, ParamDefinition][], field: string) =>
    store
      .getState()
      .updateMeta(
        (m) => (next.length === 0 && !m.params ? m : { ...m, params: Object.fromEntries(next) }),
        `params:${field}`,
      );
  const addParam = () => {
    const taken = new Set(entries.map(([k]) => k));
    let name = 'param';
    for (let n = 2; taken.has(name); n++) name = `param${n}`;
    setParams([...entries, [name, { type: 'string' }]], `add:${name}`);
  };

  return (
    <PanelSection
      title="Parameters"
      actions={
        <Button
          size="sm"
          variant="ghost"
          onClick={addParam}
          data-testid="add-param"
          className="-my-1 h-7"
        >
          <PlusIcon className="size-3.5" />
          Add
        </Button>
      }
    >
      {entries.length === 0 && (
        <p className="text-xs leading-5 text-slate-500">
          Values a run is started with, read as{' '}
          <code className="rounded bg-slate-100 px-1 font-mono">{'{{ params.name }}'}</code> and as{' '}
          <code className="rounded bg-slate-100 px-1 font-mono">params</code> in code.
        </p>
      )}
      {entries.map(([name, definition], index) => (
        <ParamRow
          key={index}
          name={name}
          definition={definition}
          takenNames={entries.map(([k]) => k).filter((k) => k !== name)}
          errors={issues.filter((i) => i.path.startsWith(`params.${name}`)).map((i) => i.message)}
          onChange={(nextName, nextDefinition) =>
            setParams(
              entries.map((e, i) => (i === index ? [nextName, nextDefinition] : e)),
              `${index}`,
            )
          }
          onRemove={() =>
            setParams(
              entries.filter((_, i) => i !== index),
              `remove:${name}`,
            )
          }
        />
      ))}
    </PanelSection>
  );
}

function ParamRow({
  name,
  definition,
  takenNames,
  errors,
  onChange,
  onRemove,
}: {
  name: string;
  definition: ParamDefinition;
  takenNames: readonly string[];
  errors: readonly string[];
  onChange: (name: string, definition: ParamDefinition) => void;
  onRemove: () => void;
}) {
  const [draftName, setDraftName] = useState(name);
  const [nameError, setNameError] = useState<string | null>(null);
  useEffect(() => setDraftName(name), [name]);
  const commitName = () => {
    const next = draftName.trim();
    if (next === name) return setNameError(null);
    if (!PARAM_NAME.test(next))
      return setNameError('letters, digits and _, not starting with a digit');
    if (takenNames.includes(next)) return setNameError(`"${next}" is already a parameter`);
    setNameError(null);
    onChange(next, definition);
  };
  const set = <K extends keyof ParamDefinition>(key: K, value: ParamDefinition[K] | undefined) => {
    const next = { ...definition };
    if (value === undefined) delete next[key];
    else next[key] = value;
    onChange(name, next);
  };

  return (
    <div
      className="rounded-md border border-slate-200 bg-slate-50/60 p-2.5"
      data-testid="param-row"
      data-param={name}
    >
      <div className="flex items-start gap-1.5">
        <div className="min-w-0 flex-1">
          <TextInput
            value={draftName}
            mono
            aria-label="Parameter name"
            invalid={nameError !== null}
            onChange={setDraftName}
            onBlur={commitName}
            onKeyDown={(event) => event.key === 'Enter' && commitName()}
            data-testid="param-name"
          />
        </div>
        <div className="w-28">
          <Select
            value={definition.type}
            aria-label="Parameter type"
            options={PARAM_TYPES.map((t) => ({ value: t, label: t }))}
            onChange={(type) => {
              const next: ParamDefinition = {
                ...definition,
                type: type as ParamDefinition['type'],
              };
              delete next.default;
              onChange(name, next);
            }}
            data-testid="param-type"
          />
        </div>
        <button
          type="button"
          aria-label={`Remove parameter ${name}`}
          onClick={onRemove}
          className="flex size-8 shrink-0 items-center justify-center rounded-md text-slate-400 hover:bg-red-50 hover:text-red-600"
        >
          <TrashIcon className="size-3.5" />
        </button>
      </div>
      {nameError && <p className="mt-1 text-xs text-red-600">{nameError}</p>}
      <div className="mt-2 grid grid-cols-[1fr_auto] items-end gap-2">
        <div>
          <span className="mb-1 block text-[11px] text-slate-500">Default</span>
          <ParamDefaultInput definition={definition} onChange={(v) => set('default', v)} />
        </div>
        <label className="flex h-8 items-center gap-1.5 text-xs text-slate-700">
          <input
            type="checkbox"
            checked={definition.required === true}
            onChange={(event) => set('required', event.target.checked ? true : undefined)}
            className="size-3.5 accent-indigo-600"
            data-testid="param-required"
          />
          Required
        </label>
      </div>
      <div className="mt-2">
        <TextInput
          value={definition.description ?? ''}
          placeholder="Description"
          aria-label="Parameter description"
          onChange={(d) => set('description', d === '' ? undefined : d)}
        />
      </div>
      {errors.map((e) => (
        <p key={e} className="mt-1 text-xs text-red-600">
          {e}
        </p>
      ))}
    </div>
  );
}

function ParamDefaultInput({
  definition,
  onChange,
}: {
  definition: ParamDefinition;
  onChange: (value: unknown) => void;
}) {
  const value = definition.default;
  switch (definition.type) {
    case 'number':
      return (
        <NumberInput
          value={typeof value === 'number' ? value : undefined}
          onChange={onChange}
          aria-label="Default value"
          placeholder="none"
        />
      );
    case 'boolean':
      return (
        <Select
          value={value === undefined ? undefined : String(value)}
          emptyLabel="none"
          aria-label="Default value"
          options={[
            { value: 'true', label: 'true' },
            { value: 'false', label: 'false' },
          ]}
          onChange={(v) => onChange(v === undefined ? undefined : v === 'true')}
        />
      );
    case 'json':
      return <JsonTextarea value={value} onChange={onChange} rows={2} />;
    default:
      return (
        <TextInput
          value={typeof value === 'string' ? value : value === undefined ? '' : String(value)}
          placeholder="none"
          aria-label="Default value"
          onChange={(v) => onChange(v === '' ? undefined : v)}
          data-testid="param-default"
        />
      );
  }
}
