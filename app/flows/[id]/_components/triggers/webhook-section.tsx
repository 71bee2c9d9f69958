'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/app/_components/alert';
import { Button } from '@/app/_components/button';
import { Dialog } from '@/app/_components/dialog';
import { RotateIcon, ZapIcon } from '@/app/_components/icons';
import { RelativeTime } from '@/app/_components/relative-time';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { useTRPC } from '@/app/_lib/trpc';
import type { ParamDefinition } from '@/server/engine/document';
import { CopyButton } from './copy-button';
import { SheetSection } from './side-sheet';

function exampleValue(definition: ParamDefinition): unknown {
  if (definition.default !== undefined) return definition.default;
  if (definition.type === 'number') return 1;
  if (definition.type === 'boolean') return true;
  if (definition.type === 'json') return {};
  return 'text';
}

/** A curl call with every parameter filled with its default or an example of its type. */
export function curlExample(url: string, params: Record<string, ParamDefinition>): string {
  const body = Object.fromEntries(
    Object.entries(params).map(([name, def]) => [name, exampleValue(def)]),
  );
  const json = JSON.stringify(body).replaceAll("'", "'\\''");
  return `curl -X POST '${url}' \\\n  -H 'content-type: application/json' \\\n  -d '${json}'`;
}

export function WebhookSection({
  flowId,
  params,
}: {
  flowId: string;
  params: Record<string, ParamDefinition>;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Refreshed now and then for "Last called" while the panel is open.
  const webhook = useQuery(
    trpc.flows.webhook.get.queryOptions({ flowId }, { refetchInterval: 10_000 }),
  );
  const [confirming, setConfirming] = useState(false);
  const regenerate = useMutation(
    trpc.flows.webhook.regenerate.mutationOptions({
      onSuccess: (fresh) => {
        queryClient.setQueryData(trpc.flows.webhook.get.queryKey({ flowId }), fresh);
        setConfirming(false);
      },
    }),
  );

  return (
    <SheetSection
      icon={<ZapIcon className="size-4" />}
      title="Webhook"
      description="POST a JSON object of parameters to this URL to start a run of the latest saved version. The answer carries the run's id and link."
      data-testid="webhook-section"
    >
      {webhook.isPending ? (
        <div className="h-20 animate-pulse rounded-md bg-slate-100" aria-busy="true" />
      ) : webhook.isError ? (
        <Alert tone="error" title="The webhook could not be loaded">
          {apiErrorDetails(webhook.error).message}
        </Alert>
      ) : (
        <div className="space-y-3">
          <div className="flex gap-2">
            <input
              readOnly
              value={webhook.data.url}
              aria-label="Webhook URL"
              onFocus={(event) => event.currentTarget.select()}
              data-testid="webhook-url"
              className="block h-8 min-w-0 flex-1 rounded-md border border-slate-300 bg-slate-50 px-2.5 font-mono text-xs text-slate-800 focus:outline-2 focus:-outline-offset-1 focus:outline-indigo-600"
            />
            <CopyButton text={webhook.data.url} data-testid="copy-webhook-url" />
          </div>
          <div className="relative">
            <pre
              className="overflow-x-auto rounded-md bg-slate-900 p-3 pr-24 font-mono text-xs leading-relaxed text-slate-100"
              data-testid="webhook-curl"
            >
              {curlExample(webhook.data.url, params)}
            </pre>
            <div className="absolute top-2 right-2">
              <CopyButton
                text={curlExample(webhook.data.url, params)}
                label="Copy curl"
                data-testid="copy-webhook-curl"
              />
            </div>
          </div>
          <div className="flex items-center justify-between gap-3 text-xs text-slate-500">
            <span data-testid="webhook-last-triggered">
              {webhook.data.lastTriggeredAt ? (
                <>
                  Last called <RelativeTime date={webhook.data.lastTriggeredAt} />
                </>
              ) : (
                'Not called yet'
              )}
              . Parameters are checked against the saved flow; a bad body gets a 400 naming the
              field.
            </span>
            <Button
              size="sm"
              variant="ghost"
              onClick={() => setConfirming(true)}
              data-testid="regenerate-webhook"
            >
              <RotateIcon className="size-3.5" />
              Regenerate
            </Button>
          </div>
        </div>
      )}
      <Dialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title="Regenerate the webhook URL?"
        description="The current URL stops working at once. Anything calling it must be given the new one."
        data-testid="regenerate-dialog"
        footer={
          <>
            <Button onClick={() => setConfirming(false)}>Cancel</Button>
            <Button
              variant="danger"
              pending={regenerate.isPending}
              onClick={() => regenerate.mutate({ flowId })}
              data-autofocus
              data-testid="regenerate-confirm"
            >
              Regenerate
            </Button>
          </>
        }
      >
        {regenerate.isError && (
          <Alert tone="error" title="Not regenerated">
            {apiErrorDetails(regenerate.error).message}
          </Alert>
        )}
      </Dialog>
    </SheetSection>
  );
}
