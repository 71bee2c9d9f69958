'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button } from '@/app/_components/button';
import { Dialog } from '@/app/_components/dialog';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { useTRPC } from '@/app/_lib/trpc';

/** Confirms deleting a secret or a variable. Cancel has the focus: Enter is safe. */
export function DeleteSettingDialog({
  kind,
  name,
  onClose,
  onDeleted,
}: {
  kind: 'secret' | 'variable';
  name: string | null;
  onClose: () => void;
  onDeleted: (name: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const options = {
    onSuccess: async (deleted: { name: string }) => {
      await queryClient.invalidateQueries(
        kind === 'secret' ? trpc.secrets.pathFilter() : trpc.variables.pathFilter(),
      );
      onDeleted(deleted.name);
    },
  };
  const deleteSecret = useMutation(trpc.secrets.delete.mutationOptions(options));
  const deleteVariable = useMutation(trpc.variables.delete.mutationOptions(options));
  const remove = kind === 'secret' ? deleteSecret : deleteVariable;
  const template = `{{ ${kind === 'secret' ? 'secrets' : 'vars'}.${name ?? ''} }}`;
  const close = () => {
    remove.reset();
    onClose();
  };

  return (
    <Dialog
      open={name !== null}
      onClose={close}
      title={`Delete ${kind} ${name ?? ''}?`}
      description={
        <>
          Tasks that use <code className="font-mono text-xs">{template}</code> will fail with
          “unknown {kind}” until one with this name exists again.
          {kind === 'secret' && ' The value cannot be recovered.'}
        </>
      }
      footer={
        <>
          <Button onClick={close} data-autofocus>
            Cancel
          </Button>
          <Button
            variant="danger"
            pending={remove.isPending}
            onClick={() => name && remove.mutate({ name })}
            data-testid={`confirm-delete-${kind}`}
          >
            Delete {kind}
          </Button>
        </>
      }
      data-testid={`delete-${kind}-dialog`}
    >
      {remove.isError && (
        <p role="alert" className="text-sm text-red-600">
          {apiErrorDetails(remove.error).message}
        </p>
      )}
    </Dialog>
  );
}
