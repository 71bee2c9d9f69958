'use client';

import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Alert } from '@/app/_components/alert';
import { Button, IconButton } from '@/app/_components/button';
import { EmptyState } from '@/app/_components/empty-state';
import { PlusIcon, TrashIcon } from '@/app/_components/icons';
import { RelativeTime } from '@/app/_components/relative-time';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { useTRPC } from '@/app/_lib/trpc';
import { DeleteSettingDialog } from './delete-setting-dialog';
import { SecretFormDialog } from './secret-form-dialog';
import { KeyIcon } from './settings-icons';
import { TemplateChip } from './template-chip';

interface Notice {
  tone: 'success' | 'error';
  title: ReactNode;
}

/**
 * Secrets by name and last change. Values go one way: typed into a form,
 * encrypted on the server, never sent back to a browser.
 */
export function SecretsPage() {
  const trpc = useTRPC();
  const list = useQuery(trpc.secrets.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [replacing, setReplacing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const secrets = list.data ?? [];

  return (
    <div data-testid="secrets-page">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h2 className="text-xl font-semibold tracking-tight text-slate-900">Secrets</h2>
          <p className="mt-1 max-w-2xl text-sm text-slate-600">
            Passwords, tokens and connection strings flows use as{' '}
            <code className="rounded bg-slate-100 px-1 font-mono text-xs">
              {'{{ secrets.NAME }}'}
            </code>
            . They are encrypted at rest and filled in only on the worker, just before a task runs;
            logs, outputs and run pages show{' '}
            <code className="rounded bg-slate-100 px-1 font-mono text-xs">••••</code> instead. A
            saved value cannot be read back, only replaced.
          </p>
        </div>
        {secrets.length > 0 && (
          <Button variant="primary" onClick={() => setCreating(true)} data-testid="new-secret">
            <PlusIcon /> New secret
          </Button>
        )}
      </div>

      {notice && (
        <Alert
          tone={notice.tone}
          title={notice.title}
          onDismiss={() => setNotice(null)}
          className="mt-6"
          data-testid="secrets-notice"
        />
      )}

      <div className="mt-6">
        {list.isPending ? (
          <TableSkeleton />
        ) : list.isError ? (
          <Alert tone="error" title="Could not load the secrets">
            {apiErrorDetails(list.error).message}
          </Alert>
        ) : secrets.length === 0 ? (
          <div className="rounded-xl border border-dashed border-slate-300 bg-white">
            <EmptyState
              icon={<KeyIcon className="size-5" />}
              title="No secrets yet"
              actions={
                <Button
                  variant="primary"
                  onClick={() => setCreating(true)}
                  data-testid="new-secret"
                >
                  <PlusIcon /> New secret
                </Button>
              }
              data-testid="secrets-empty"
            >
              Save an API token or a database URL once, then use it in any flow without writing it
              into the flow itself.
            </EmptyState>
          </div>
        ) : (
          <div className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs">
            <table className="w-full table-fixed text-sm">
              <thead className="border-b border-slate-200 bg-slate-50/80 text-left text-xs font-medium text-slate-500">
                <tr>
                  <th scope="col" className="px-4 py-2.5 font-medium">
                    Name
                  </th>
                  <th scope="col" className="w-32 px-4 py-2.5 font-medium">
                    Value
                  </th>
                  <th scope="col" className="w-36 px-4 py-2.5 font-medium">
                    Updated
                  </th>
                  <th scope="col" className="w-48 px-4 py-2.5">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {secrets.map((secret) => (
                  <tr
                    key={secret.name}
                    data-testid="secret-row"
                    data-name={secret.name}
                    className="group hover:bg-slate-50/70"
                  >
                    <td className="px-4 py-3">
                      <div className="truncate font-mono font-medium text-slate-900">
                        {secret.name}
                      </div>
                      <div className="mt-1">
                        <TemplateChip template={`{{ secrets.${secret.name} }}`} />
                      </div>
                    </td>
                    <td className="px-4 py-3 font-mono tracking-widest text-slate-400">
                      <span aria-hidden="true">••••••••</span>
                      <span className="sr-only">hidden</span>
                    </td>
                    <td className="px-4 py-3 text-slate-600">
                      <RelativeTime date={secret.updatedAt} />
                    </td>
                    <td className="px-4 py-3">
                      <div className="flex justify-end gap-1">
                        <Button
                          size="sm"
                          onClick={() => setReplacing(secret.name)}
                          data-testid="replace-secret"
                        >
                          Replace value
                        </Button>
                        <IconButton
                          label={`Delete ${secret.name}`}
                          className="hover:bg-red-50 hover:text-red-600"
                          onClick={() => setDeleting(secret.name)}
                          data-testid="delete-secret"
                        >
                          <TrashIcon />
                        </IconButton>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>

      <SecretFormDialog
        open={creating || replacing !== null}
        replacing={replacing}
        existingNames={secrets.map((s) => s.name)}
        onClose={() => {
          setCreating(false);
          setReplacing(null);
        }}
        onSaved={(name, created) => {
          setCreating(false);
          setReplacing(null);
          setNotice({
            tone: 'success',
            title: created ? `Saved secret ${name}.` : `Replaced the value of ${name}.`,
          });
        }}
      />
      <DeleteSettingDialog
        kind="secret"
        name={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(name) => {
          setDeleting(null);
          setNotice({ tone: 'success', title: `Deleted secret ${name}.` });
        }}
      />
    </div>
  );
}

export function TableSkeleton() {
  return (
    <div
      className="overflow-hidden rounded-xl border border-slate-200 bg-white"
      role="status"
      aria-busy="true"
      aria-label="Loading"
    >
      {[0, 1, 2].map((i) => (
        <div key={i} className="flex items-center gap-4 border-b border-slate-100 px-4 py-4">
          <div className="h-3.5 w-40 animate-pulse rounded bg-slate-200" />
          <div className="h-3.5 w-24 animate-pulse rounded bg-slate-100" />
        </div>
      ))}
    </div>
  );
}
