'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '@/app/_components/button';
import { Dialog } from '@/app/_components/dialog';
import { TextField } from '@/app/_components/text-field';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { useTRPC } from '@/app/_lib/trpc';

export interface FlowToRename {
  id: string;
  name: string;
}

/** Renames a flow; the name is part of the document, so this saves a new version. */
export function RenameFlowDialog({
  flow,
  onClose,
  onRenamed,
}: {
  flow: FlowToRename | null;
  onClose: () => void;
  onRenamed: (from: string, to: string) => void;
}) {
  return (
    <Dialog
      open={flow !== null}
      onClose={onClose}
      title="Rename flow"
      description="Renaming saves a new version; earlier versions keep their name."
      data-testid="rename-flow-dialog"
    >
      {flow && <RenameFlowForm flow={flow} onCancel={onClose} onRenamed={onRenamed} />}
    </Dialog>
  );
}

function RenameFlowForm({
  flow,
  onCancel,
  onRenamed,
}: {
  flow: FlowToRename;
  onCancel: () => void;
  onRenamed: (from: string, to: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState(flow.name);
  const [error, setError] = useState<string | null>(null);
  const rename = useMutation(
    trpc.flows.rename.mutationOptions({
      onSuccess: async (renamed) => {
        await queryClient.invalidateQueries(trpc.flows.pathFilter());
        onRenamed(flow.name, renamed.name);
      },
      onError: (err) => {
        const details = apiErrorDetails(err);
        setError(details.fieldErrors.name?.[0] ?? details.message);
      },
    }),
  );

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        setError(null);
        const next = name.trim();
        if (!next) {
          setError('Name is required');
          return;
        }
        if (next === flow.name) {
          onCancel();
          return;
        }
        rename.mutate({ id: flow.id, name: next });
      }}
    >
      <TextField
        label="Name"
        name="name"
        value={name}
        onChange={(event) => {
          setName(event.target.value);
          setError(null);
        }}
        onFocus={(event) => event.currentTarget.select()}
        error={error}
        maxLength={200}
        autoComplete="off"
        data-autofocus
        data-testid="rename-flow-name"
      />
      <div className="mt-6 flex justify-end gap-2">
        <Button onClick={onCancel}>Cancel</Button>
        <Button
          type="submit"
          variant="primary"
          pending={rename.isPending}
          data-testid="rename-flow-submit"
        >
          Rename
        </Button>
      </div>
    </form>
  );
}
