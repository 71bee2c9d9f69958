'use client';

import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Alert } from '@/app/_components/alert';
import { Button, IconButton } from '@/app/_components/button';
import { EmptyState } from '@/app/_components/empty-state';
import { PencilIcon, PlusIcon, TrashIcon } from '@/app/_components/icons';
import { RelativeTime } from '@/app/_components/relative-time';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { useCan } from '@/app/_lib/session';
import { useTRPC } from '@/app/_lib/trpc';
import { DeleteSettingDialog } from './delete-setting-dialog';
import { previewJson } from './json-text';
import { TableSkeleton } from './secrets-page';
import { BracesIcon } from './settings-icons';
import { TemplateChip } from './template-chip';
import { VariableFormDialog, type VariableToEdit } from './variable-form-dialog';

interface Notice {
  tone: 'success' | 'error';
  title: ReactNode;
}

/** Named JSON values every flow can read as `{{ vars.NAME }}`. */
export function VariablesPage() {
  const trpc = useTRPC();
  const list = useQuery(trpc.variables.list.queryOptions());
  const [editing, setEditing] = useState<VariableToEdit | 'new' | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const variables = list.data ?? [];
  // Viewers read variables; editors change them.
  const canEdit = useCan('editor');

  return (
    <div data-testid="variables-page">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h2 className="text-xl font-semibold tracking-tight text-slate-900">Variables</h2>
          <p className="mt-1 max-w-2xl text-sm text-slate-600">
            Settings shared by flows — a base URL, a region, a list of recipients — read as{' '}
            <code className="rounded bg-slate-100 px-1 font-mono text-xs">{'{{ vars.NAME }}'}</code>{' '}
            (or a field inside, as{' '}
            <code className="rounded bg-slate-100 px-1 font-mono text-xs">
              {'{{ vars.NAME.field }}'}
            </code>
            ) when a task runs. They are not secret: use a secret for passwords and tokens.
          </p>
        </div>
        {canEdit && variables.length > 0 && (
          <Button variant="primary" onClick={() => setEditing('new')} data-testid="new-variable">
            <PlusIcon /> New variable
          </Button>
        )}
      </div>

      {notice && (
        <Alert
          tone={notice.tone}
          title={notice.title}
          onDismiss={() => setNotice(null)}
          className="mt-6"
          data-testid="variables-notice"
        />
      )}

      <div className="mt-6">
        {list.isPending ? (
          <TableSkeleton />
        ) : list.isError ? (
          <Alert tone="error" title="Could not load the variables">
            {apiErrorDetails(list.error).message}
          </Alert>
        ) : variables.length === 0 ? (
          <div className="rounded-xl border border-dashed border-slate-300 bg-white">
            <EmptyState
              icon={<BracesIcon className="size-5" />}
              title="No variables yet"
              actions={
                canEdit && (
                  <Button
                    variant="primary"
                    onClick={() => setEditing('new')}
                    data-testid="new-variable"
                  >
                    <PlusIcon /> New variable
                  </Button>
                )
              }
              data-testid="variables-empty"
            >
              Keep values several flows share in one place; change them here instead of in every
              flow.
            </EmptyState>
          </div>
        ) : (
          <div className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs">
            <table className="w-full table-fixed text-sm">
              <thead className="border-b border-slate-200 bg-slate-50/80 text-left text-xs font-medium text-slate-500">
                <tr>
                  <th scope="col" className="w-64 px-4 py-2.5 font-medium">
                    Name
                  </th>
                  <th scope="col" className="px-4 py-2.5 font-medium">
                    Value
                  </th>
                  <th scope="col" className="w-32 px-4 py-2.5 font-medium">
                    Updated
                  </th>
                  <th scope="col" className="w-24 px-4 py-2.5">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {variables.map((variable) => (
                  <tr
                    key={variable.name}
                    data-testid="variable-row"
                    data-name={variable.name}
                    className="group align-top hover:bg-slate-50/70"
                  >
                    <td className="px-4 py-3">
                      <div className="truncate font-mono font-medium text-slate-900">
                        {variable.name}
                      </div>
                      <div className="mt-1">
                        <TemplateChip template={`{{ vars.${variable.name} }}`} />
                      </div>
                    </td>
                    <td className="px-4 py-3">
                      <code
                        className="block truncate font-mono text-xs text-slate-700"
                        title={previewJson(variable.value, 2000)}
                        data-testid="variable-value"
                      >
                        {previewJson(variable.value)}
                      </code>
                      {variable.description && (
                        <p className="mt-1 truncate text-slate-500">{variable.description}</p>
                      )}
                    </td>
                    <td className="px-4 py-3 text-slate-600">
                      <RelativeTime date={variable.updatedAt} />
                    </td>
                    <td className="px-4 py-3">
                      <div className={canEdit ? 'flex justify-end gap-1' : 'hidden'}>
                        <IconButton
                          label={`Edit ${variable.name}`}
                          onClick={() => setEditing(variable)}
                          data-testid="edit-variable"
                        >
                          <PencilIcon />
                        </IconButton>
                        <IconButton
                          label={`Delete ${variable.name}`}
                          className="hover:bg-red-50 hover:text-red-600"
                          onClick={() => setDeleting(variable.name)}
                          data-testid="delete-variable"
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

      <VariableFormDialog
        variable={editing}
        existingNames={variables.map((v) => v.name)}
        onClose={() => setEditing(null)}
        onSaved={(name, created) => {
          setEditing(null);
          setNotice({
            tone: 'success',
            title: created ? `Saved variable ${name}.` : `Updated variable ${name}.`,
          });
        }}
      />
      <DeleteSettingDialog
        kind="variable"
        name={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(name) => {
          setDeleting(null);
          setNotice({ tone: 'success', title: `Deleted variable ${name}.` });
        }}
      />
    </div>
  );
}
