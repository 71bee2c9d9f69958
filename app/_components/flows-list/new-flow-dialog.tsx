'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button } from '@/app/_components/button';
import { Dialog } from '@/app/_components/dialog';
import { TextField } from '@/app/_components/text-field';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { useTRPC } from '@/app/_lib/trpc';

/** Asks for a name (and an optional description), creates the flow and opens it. */
export function NewFlowDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="New flow"
      description="An empty flow at version 1. You can rename it later."
      data-testid="new-flow-dialog"
    >
      <NewFlowForm onCancel={onClose} />
    </Dialog>
  );
}

function NewFlowForm({ onCancel }: { onCancel: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const create = useMutation(
    trpc.flows.create.mutationOptions({
      onSuccess: async (flow) => {
        await queryClient.invalidateQueries(trpc.flows.pathFilter());
        router.push(`/flows/${flow.id}`);
      },
      onError: (error) => {
        const details = apiErrorDetails(error);
        const fieldMessage = details.fieldErrors.name?.[0];
        if (details.code === 'CONFLICT' || fieldMessage) {
          setNameError(fieldMessage ?? details.message);
        } else {
          setFormError(details.message);
        }
      },
    }),
  );

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        setNameError(null);
        setFormError(null);
        if (!name.trim()) {
          setNameError('Name is required');
          return;
        }
        create.mutate({ name: name.trim(), ...(description.trim() ? { description } : {}) });
      }}
    >
      <div className="space-y-4">
        <TextField
          label="Name"
          name="name"
          value={name}
          onChange={(event) => {
            setName(event.target.value);
            setNameError(null);
          }}
          error={nameError}
          placeholder="Nightly report"
          maxLength={200}
          autoComplete="off"
          data-autofocus
          data-testid="new-flow-name"
        />
        <TextField
          label={
            <>
              Description <span className="font-normal text-slate-500">(optional)</span>
            </>
          }
          name="description"
          value={description}
          onChange={(event) => setDescription(event.target.value)}
          placeholder="What it does, for your teammates"
          maxLength={5000}
          autoComplete="off"
        />
      </div>
      {formError && (
        <p role="alert" className="mt-4 text-sm text-red-600">
          {formError}
        </p>
      )}
      <div className="mt-6 flex justify-end gap-2">
        <Button onClick={onCancel}>Cancel</Button>
        <Button
          type="submit"
          variant="primary"
          pending={create.isPending || create.isSuccess}
          data-testid="new-flow-submit"
        >
          Create flow
        </Button>
      </div>
    </form>
  );
}
