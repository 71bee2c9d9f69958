'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Alert } from '@/app/_components/alert';
import { CopyOnce } from '@/app/_components/auth/copy-once';
import { Button } from '@/app/_components/button';
import { RelativeTime } from '@/app/_components/relative-time';
import { TextField } from '@/app/_components/text-field';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { useTRPC } from '@/app/_lib/trpc';

/** Settings → API keys: the signed-in person's keys for the CLI and programs. */
export function ApiKeysPage({ serverUrl }: { serverUrl: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries(trpc.apiKeys.pathFilter());
  const create = useMutation(trpc.apiKeys.create.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.apiKeys.revoke.mutationOptions({ onSuccess: refresh }));
  const [name, setName] = useState('');

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    create.mutate({ name }, { onSuccess: () => setName('') });
  };

  return (
    <div className="space-y-8" data-testid="api-keys-page">
      <div>
        <h1 className="text-xl font-semibold tracking-tight text-slate-900">API keys</h1>
        <p className="mt-1 text-sm text-slate-600">
          A key acts as you, with your role, for the command line and for programs calling the API (
          <code className="font-mono text-xs">Authorization: Bearer pw_…</code>). Revoke one and it
          stops working at once.
        </p>
      </div>

      <section className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs">
        <form onSubmit={submit} className="flex items-end gap-3">
          <TextField
            label="New key"
            placeholder="What it is for, e.g. “CI deploys”"
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={100}
            required
            className="flex-1"
            error={apiErrorDetails(create.error).fieldErrors.name?.[0] ?? null}
            data-testid="api-key-name"
          />
          <Button
            type="submit"
            variant="primary"
            pending={create.isPending}
            data-testid="api-key-create"
          >
            Create key
          </Button>
        </form>
        {create.data && (
          <div className="mt-4 space-y-2">
            <CopyOnce
              value={create.data.key}
              note="Copy this key now: it is shown only once."
              data-testid="api-key-value"
            />
            <pre className="overflow-x-auto rounded-md bg-slate-900 px-3 py-2 font-mono text-xs text-slate-100">
              npx pipewright login --url {serverUrl} --key {create.data.key}
            </pre>
          </div>
        )}
      </section>

      {revoke.isError && <Alert tone="error" title={apiErrorDetails(revoke.error).message} />}

      <section className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs">
        <table className="w-full text-sm">
          <thead className="border-b border-slate-200 bg-slate-50/80 text-left text-xs text-slate-500">
            <tr>
              <th className="px-4 py-2.5 font-medium">Name</th>
              <th className="w-36 px-4 py-2.5 font-medium">Key</th>
              <th className="w-32 px-4 py-2.5 font-medium">Created</th>
              <th className="w-32 px-4 py-2.5 font-medium">Last used</th>
              <th className="w-28 px-4 py-2.5">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {keys.data?.map((key) => (
              <tr
                key={key.id}
                data-testid="api-key-row"
                data-revoked={key.revokedAt ? 'true' : 'false'}
                className={key.revokedAt ? 'text-slate-400' : undefined}
              >
                <td className="px-4 py-2.5 font-medium">{key.name}</td>
                <td className="px-4 py-2.5 font-mono text-xs">{key.prefix}…</td>
                <td className="px-4 py-2.5">
                  <RelativeTime date={key.createdAt} />
                </td>
                <td className="px-4 py-2.5" data-testid="api-key-last-used">
                  {key.lastUsedAt ? <RelativeTime date={key.lastUsedAt} /> : 'never'}
                </td>
                <td className="px-4 py-2.5 text-right">
                  {key.revokedAt ? (
                    <span className="text-xs">revoked</span>
                  ) : (
                    <Button
                      size="sm"
                      variant="ghost"
                      className="text-red-600 hover:bg-red-50 hover:text-red-700"
                      pending={revoke.isPending && revoke.variables?.id === key.id}
                      onClick={() => revoke.mutate({ id: key.id })}
                      data-testid="api-key-revoke"
                    >
                      Revoke
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {keys.data?.length === 0 && (
          <p className="px-4 py-3 text-sm text-slate-500" data-testid="no-api-keys">
            No keys yet.
          </p>
        )}
      </section>
    </div>
  );
}
