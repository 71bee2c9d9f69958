'use client';

import { useState } from 'react';
import { Button } from '@/app/_components/button';
import { Dialog } from '@/app/_components/dialog';
import { PlayIcon } from '@/app/_components/icons';
import { cn } from '@/app/_lib/cn';
import type { ParamDefinition } from '@/server/engine/document';
import { Field, inputClasses, Select, TextInput } from './form-controls';

export interface RunWithFailure {
  /** Per parameter, from the server (`parameter "n": must be a number`). */
  fields: Record<string, string[]>;
  message: string | null;
}

/** Parameters typed by their definition; an empty field is left out so the default applies. */
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

/** "Run with…": a form generated from the flow's parameter definitions. */
export function RunWithDialog({
  open,
  params,
  version,
  pending,
  failure,
  onClose,
  onRun,
}: {
  open: boolean;
  params: Record<string, ParamDefinition>;
  version: number;
  pending: boolean;
  failure: RunWithFailure | null;
  onClose: () => void;
  onRun: (params: Record<string, unknown>) => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Run with parameters"
      description={`Starts version ${version}, the latest saved. Empty fields use their default.`}
      data-testid="run-with-dialog"
    >
      <RunWithForm
        params={params}
        pending={pending}
        failure={failure}
        onCancel={onClose}
        onRun={onRun}
      />
    </Dialog>
  );
}

function RunWithForm({
  params,
  pending,
  failure,
  onCancel,
  onRun,
}: {
  params: Record<string, ParamDefinition>;
  pending: boolean;
  failure: RunWithFailure | null;
  onCancel: () => void;
  onRun: (params: Record<string, unknown>) => void;
}) {
  const entries = Object.entries(params);
  const [values, setValues] = useState<Record<string, string>>({});
  const set = (name: string, value: string) => setValues((v) => ({ ...v, [name]: value }));
  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const given: Record<string, unknown> = {};
        for (const [name, definition] of entries) {
          const text = values[name] ?? '';
          if (text === '') continue;
          given[name] = toParamValue(definition, text);
        }
        onRun(given);
      }}
    >
      {entries.length === 0 && (
        <p className="text-sm text-slate-600">This flow has no parameters; it runs as it is.</p>
      )}
      <div className="space-y-3">
        {entries.map(([name, definition]) => {
          const errors = failure?.fields[name];
          const placeholder =
            definition.default === undefined
              ? definition.required
                ? 'required'
                : 'no default'
              : `default: ${typeof definition.default === 'string' ? definition.default : JSON.stringify(definition.default)}`;
          const id = `run-param-${name}`;
          return (
            <Field
              key={name}
              htmlFor={id}
              label={
                <>
                  <code className="font-mono">{name}</code>
                  <span className="font-normal text-slate-400">{definition.type}</span>
                  {definition.required && (
                    <span className="font-normal text-red-600">required</span>
                  )}
                </>
              }
              hint={definition.description}
              errors={errors}
              data-testid={`run-param-${name}`}
            >
              {definition.type === 'boolean' ? (
                <Select
                  id={id}
                  value={values[name] || undefined}
                  emptyLabel={placeholder}
                  options={[
                    { value: 'true', label: 'true' },
                    { value: 'false', label: 'false' },
                  ]}
                  onChange={(v) => set(name, v ?? '')}
                  invalid={Boolean(errors)}
                />
              ) : definition.type === 'json' ? (
                <textarea
                  id={id}
                  rows={3}
                  value={values[name] ?? ''}
                  placeholder={placeholder}
                  onChange={(event) => set(name, event.target.value)}
                  className={cn(inputClasses(Boolean(errors), true), 'py-1.5')}
                />
              ) : (
                <TextInput
                  id={id}
                  value={values[name] ?? ''}
                  placeholder={placeholder}
                  onChange={(v) => set(name, v)}
                  invalid={Boolean(errors)}
                  mono={definition.type === 'number'}
                />
              )}
            </Field>
          );
        })}
      </div>
      {failure?.message && (
        <p role="alert" className="mt-4 text-sm text-red-600" data-testid="run-with-error">
          {failure.message}
        </p>
      )}
      <div className="mt-6 flex justify-end gap-2">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" pending={pending} data-testid="run-with-submit">
          {!pending && <PlayIcon className="size-3.5" />}
          Run
        </Button>
      </div>
    </form>
  );
}
