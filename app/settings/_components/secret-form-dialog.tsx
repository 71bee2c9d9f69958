'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Button } from '@/app/_components/button';
import { Dialog } from '@/app/_components/dialog';
import { TextField } from '@/app/_components/text-field';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { cn } from '@/app/_lib/cn';
import { useTRPC } from '@/app/_lib/trpc';
import { nameProblem } from './setting-name';

/**
 * Creates a secret, or (with `replacing`) gives an existing one a new value.
 * The form unmounts when the dialog closes, so a typed value does not stay
 * in the page.
 */
export function SecretFormDialog({
  open,
  replacing,
  existingNames,
  onClose,
  onSaved,
}: {
  open: boolean;
  replacing: string | null;
  existingNames: readonly string[];
  onClose: () => void;
  onSaved: (name: string, created: boolean) => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={replacing ? `Replace the value of ${replacing}` : 'New secret'}
      description={
        replacing
          ? 'The new value applies to tasks that start from now on. The old value cannot be shown or restored.'
          : 'Flows read it as {{ secrets.NAME }}. After saving, the value can be replaced but never shown.'
      }
      data-testid="secret-dialog"
    >
      {open && (
        <SecretForm
          replacing={replacing}
          existingNames={existingNames}
          onCancel={onClose}
          onSaved={onSaved}
        />
      )}
    </Dialog>
  );
}

function SecretForm({
  replacing,
  existingNames,
  onCancel,
  onSaved,
}: {
  replacing: string | null;
  existingNames: readonly string[];
  onCancel: () => void;
  onSaved: (name: string, created: boolean) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const valueId = useId();
  const [name, setName] = useState(replacing ?? '');
  const [value, setValue] = useState('');
  const [shown, setShown] = useState(false);
  const [errors, setErrors] = useState<{ name?: string; value?: string; form?: string }>({});
  const save = useMutation(
    trpc.secrets.set.mutationOptions({
      onSuccess: async (saved) => {
        setValue('');
        await queryClient.invalidateQueries(trpc.secrets.pathFilter());
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
  const replacesExisting = !replacing && existingNames.includes(trimmed);

  return (
    <form
      noValidate
      autoComplete="off"
      onSubmit={(event) => {
        event.preventDefault();
        const next = {
          name: nameProblem(trimmed) ?? undefined,
          value: value === '' ? 'Value is required' : undefined,
        };
        setErrors(next);
        if (next.name || next.value) return;
        save.mutate({ name: trimmed, value });
      }}
    >
      {!replacing && (
        <TextField
          label="Name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          placeholder="API_TOKEN"
          spellCheck={false}
          autoComplete="off"
          className="[&_input]:font-mono"
          error={errors.name}
          hint={
            replacesExisting ? (
              <span className="text-amber-700">
                A secret named {trimmed} exists: saving replaces its value.
              </span>
            ) : (
              'Letters, digits, _ and -; it starts with a letter or _.'
            )
          }
          data-testid="secret-name-input"
          data-autofocus
        />
      )}
      <div className={replacing ? '' : 'mt-4'}>
        <div className="flex items-center justify-between">
          <label htmlFor={valueId} className="block text-sm font-medium text-slate-800">
            {replacing ? 'New value' : 'Value'}
          </label>
          <button
            type="button"
            onClick={() => setShown((s) => !s)}
            className="rounded text-xs font-medium text-indigo-600 hover:text-indigo-500 focus-visible:outline-2 focus-visible:outline-indigo-600"
            data-testid="toggle-secret-value"
          >
            {shown ? 'Hide' : 'Show'}
          </button>
        </div>
        <textarea
          id={valueId}
          value={value}
          onChange={(event) => setValue(event.target.value)}
          rows={3}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={errors.value ? true : undefined}
          // Masked like a password field, but multi-line for keys and certificates.
          style={shown ? undefined : ({ WebkitTextSecurity: 'disc' } as React.CSSProperties)}
          className={cn(
            'mt-1.5 block w-full resize-y rounded-md border bg-white px-3 py-2 font-mono text-sm text-slate-900 shadow-xs',
            'focus:outline-2 focus:-outline-offset-1',
            errors.value
              ? 'border-red-400 focus:outline-red-500'
              : 'border-slate-300 focus:outline-indigo-600',
          )}
          data-testid="secret-value-input"
          {...(replacing ? { 'data-autofocus': true } : {})}
        />
        {errors.value ? (
          <p role="alert" className="mt-1.5 text-sm text-red-600">
            {errors.value}
          </p>
        ) : (
          <p className="mt-1.5 text-sm text-slate-500">
            Sent once over this connection and encrypted on the server.
          </p>
        )}
      </div>
      {errors.form && (
        <p role="alert" className="mt-4 text-sm text-red-600">
          {errors.form}
        </p>
      )}
      <div className="mt-6 flex justify-end gap-2">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" pending={save.isPending} data-testid="save-secret">
          {replacing ? 'Replace value' : 'Save secret'}
        </Button>
      </div>
    </form>
  );
}
