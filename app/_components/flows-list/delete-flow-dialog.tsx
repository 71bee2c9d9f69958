'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button } from '@/app/_components/button';
import { Dialog } from '@/app/_components/dialog';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { useTRPC } from '@/app/_lib/trpc';

export interface FlowToDelete {
  id: string;
  name: string;
}

/** Confirms by name before a flow leaves the list. Cancel has the focus: Enter is safe. */
export function DeleteFlowDialog({
  flow,
  onClose,
  onDeleted,
}: {
  flow: FlowToDelete | null;
  onClose: () => void;
  onDeleted: (name: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.flows.delete.mutationOptions({
      onSuccess: async (_result, variables) => {
        await queryClient.invalidateQueries(trpc.flows.pathFilter());
        if (flow && flow.id === variables.id) onDeleted(flow.name);
      },
    }),
  );
  const close = () => {
    remove.reset();
    onClose();
  };

  return (
    <Dialog
      open={flow !== null}
      onClose={close}
      title={flow ? `Delete “${flow.name}”?` : 'Delete flow?'}
      description={
        <>
          <strong className="font-medium text-slate-900">{flow?.name}</strong> leaves the flows list
          and its name becomes free. Its saved versions and past runs stay readable.
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
            onClick={() => flow && remove.mutate({ id: flow.id })}
            data-testid="confirm-delete"
          >
            Delete flow
          </Button>
        </>
      }
      data-testid="delete-flow-dialog"
    >
      {remove.isError && (
        <p role="alert" className="text-sm text-red-600">
          {apiErrorDetails(remove.error).message}
        </p>
      )}
    </Dialog>
  );
}
