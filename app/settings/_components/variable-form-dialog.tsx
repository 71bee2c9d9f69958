'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Button } from '@/app/_components/button';
import { Dialog } from '@/app/_components/dialog';
import { TextField } from '@/app/_components/text-field';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { cn } from '@/app/_lib/cn';
import { useTRPC } from '@/app/_lib/trpc';
import { formatJson, parseJsonText } from './json-text';
import { nameProblem } from './setting-name';

export interface VariableToEdit {
  name: string;
  value: unknown;
  description: string;
}

/** Creates a variable (`'new'`) or edits one: its JSON value and description. */
export function VariableFormDialog({
  variable,
  existingNames,
  onClose,
  onSaved,
}: {
  variable: VariableToEdit | 'new' | null;
  existingNames: readonly string[];
  onClose: () => void;
  onSaved: (name: string, created: boolean) => void;
}) {
  const editing = variable !== null && variable !== 'new' ? variable : null;
  return (
    <Dialog
      open={variable !== null}
      onClose={onClose}
      title={editing ? `Edit ${editing.name}` : 'New variable'}
      description="Any JSON value: a string in quotes, a number, true/false, a list or an object. Tasks that start after saving see the new value."
      data-testid="variable-dialog"
    >
      {variable !== null && (
        <VariableForm
          editing={editing}
          existingNames={existingNames}
          onCancel={onClose}
          onSaved={onSaved}
        />
      )}
    </Dialog>
  );
}

function VariableForm({
  editing,
  existingNames,
  onCancel,
  onSaved,
}: {
  editing: VariableToEdit | null;
  existingNames: readonly string[];
  onCancel: () => void;
  onSaved: (name: string, created: boolean) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const valueId = useId();
  const [name, setName] = useState(editing?.name ?? '');
  const [text, setText] = useState(editing ? formatJson(editing.value) : '');
  const [description, setDescription] = useState(editing?.description ?? '');
  const [touched, setTouched] = useState(false);
  const [errors, setErrors] = useState<{ name?: string; value?: string; form?: string }>({});
  const parsed = parseJsonText(text);
  const valueError = errors.value ?? (touched && !parsed.ok ? parsed.message : undefined);
  const save = useMutation(
    trpc.variables.set.mutationOptions({
      onSuccess: async (saved) => {
        await queryClient.invalidateQueries(trpc.variables.pathFilter());
        onSaved(saved.name, saved.created);
      },
      onError: (err) => {
        const details = apiErrorDetails(err);
        setErrors({
          name: details.fieldErrors.name?.[0],
          value: details.fieldErrors.value?.[0],
          form: details.fieldErrors.name || details.fieldErrors.value ? undefined : details.message,
        });
      },
    }),
  );
  const trimmed = name.trim();
  const replacesExisting = !editing && existingNames.includes(trimmed);

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        setTouched(true);
        const next = {
          name: nameProblem(trimmed) ?? undefined,
          value: parsed.ok ? undefined : parsed.message,
        };
        setErrors(next);
        if (next.name || !parsed.ok) return;
        save.mutate({ name: trimmed, value: parsed.value, description: description.trim() });
      }}
    >
      {!editing && (
        <TextField
          label="Name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          placeholder="baseUrl"
          spellCheck={false}
          autoComplete="off"
          className="mb-4 [&_input]:font-mono"
          error={errors.name}
          hint={
            replacesExisting ? (
              <span className="text-amber-700">
                A variable named {trimmed} exists: saving replaces it.
              </span>
            ) : undefined
          }
          data-testid="variable-name-input"
          data-autofocus
        />
      )}
      <div>
        <div className="flex items-center justify-between">
          <label htmlFor={valueId} className="block text-sm font-medium text-slate-800">
            Value <span className="font-normal text-slate-500">(JSON)</span>
          </label>
          <button
            type="button"
            disabled={!parsed.ok}
            onClick={() => parsed.ok && setText(formatJson(parsed.value))}
            className="rounded text-xs font-medium text-indigo-600 hover:text-indigo-500 focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:text-slate-400"
          >
            Format
          </button>
        </div>
        <textarea
          id={valueId}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setErrors((e) => ({ ...e, value: undefined }));
          }}
          onBlur={() => setTouched(true)}
          rows={8}
          spellCheck={false}
          placeholder={'"https://api.example.com"  or  { "region": "eu-west" }'}
          aria-invalid={valueError ? true : undefined}
          className={cn(
            'mt-1.5 block w-full resize-y rounded-md border bg-white px-3 py-2 font-mono text-xs leading-5 text-slate-900 shadow-xs placeholder:text-slate-400',
            'focus:outline-2 focus:-outline-offset-1',
            valueError
              ? 'border-red-400 focus:outline-red-500'
              : 'border-slate-300 focus:outline-indigo-600',
          )}
          data-testid="variable-value-input"
          {...(editing ? { 'data-autofocus': true } : {})}
        />
        {valueError ? (
          <p
            role="alert"
            className="mt-1.5 text-sm text-red-600"
            data-testid="variable-value-error"
          >
            {valueError}
          </p>
        ) : (
          parsed.ok && (
            <p className="mt-1.5 text-sm text-slate-500">
              Valid JSON ({describeKind(parsed.value)}).
            </p>
          )
        )}
      </div>
      <TextField
        label="Description"
        value={description}
        onChange={(event) => setDescription(event.target.value)}
        placeholder="What it is for (optional)"
        className="mt-4"
        maxLength={500}
        data-testid="variable-description-input"
      />
      {errors.form && (
        <p role="alert" className="mt-4 text-sm text-red-600">
          {errors.form}
        </p>
      )}
      <div className="mt-6 flex justify-end gap-2">
        <Button onClick={onCancel}>Cancel</Button>
        <Button
          type="submit"
          variant="primary"
          pending={save.isPending}
          data-testid="save-variable"
        >
          {editing ? 'Save changes' : 'Save variable'}
        </Button>
      </div>
    </form>
  );
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return `an object with ${Object.keys(value).length} fields`;
  return `a ${typeof value}`;
}
