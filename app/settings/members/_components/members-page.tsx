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
import { roleDescriptions, type WorkspaceRole, workspaceRoles } from '@/server/auth/roles';

const selectClasses =
  'h-8 rounded-md border border-slate-300 bg-white px-2 text-sm text-slate-800 shadow-xs focus:outline-2 focus:outline-indigo-600';

/** Settings → Members: who is in the workspace, their roles, and invite links. */
export function MembersPage({ selfId }: { selfId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const members = useQuery(trpc.members.list.queryOptions());
  const invites = useQuery(trpc.members.invites.queryOptions());
  const refresh = () => queryClient.invalidateQueries(trpc.members.pathFilter());
  const setRole = useMutation(trpc.members.setRole.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.members.remove.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.members.revokeInvite.mutationOptions({ onSuccess: refresh }));
  const failure = setRole.error ?? remove.error ?? revoke.error;

  return (
    <div className="space-y-8" data-testid="members-page">
      <div>
        <h1 className="text-xl font-semibold tracking-tight text-slate-900">Members</h1>
        <p className="mt-1 text-sm text-slate-600">
          Viewers see flows and runs. Editors also create, edit, run and share them. Owners also
          manage members, secrets and settings.
        </p>
      </div>
      {failure && (
        <Alert
          tone="error"
          title={apiErrorDetails(failure).message}
          data-testid="members-error"
          onDismiss={() => {
            setRole.reset();
            remove.reset();
            revoke.reset();
          }}
        />
      )}

      <section className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs">
        <table className="w-full text-sm">
          <thead className="border-b border-slate-200 bg-slate-50/80 text-left text-xs text-slate-500">
            <tr>
              <th className="px-4 py-2.5 font-medium">Name</th>
              <th className="px-4 py-2.5 font-medium">Email</th>
              <th className="w-36 px-4 py-2.5 font-medium">Role</th>
              <th className="w-32 px-4 py-2.5 font-medium">Joined</th>
              <th className="w-24 px-4 py-2.5">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {members.data?.map((m) => (
              <tr key={m.id} data-testid="member-row" data-email={m.email} data-role={m.role}>
                <td className="px-4 py-2.5 font-medium text-slate-900">
                  {m.name}
                  {m.id === selfId && <span className="ml-1.5 text-xs text-slate-400">(you)</span>}
                </td>
                <td className="px-4 py-2.5 text-slate-600">{m.email}</td>
                <td className="px-4 py-2.5">
                  <select
                    aria-label={`Role of ${m.email}`}
                    className={selectClasses}
                    value={m.role}
                    disabled={setRole.isPending}
                    onChange={(e) =>
                      setRole.mutate({ userId: m.id, role: e.target.value as WorkspaceRole })
                    }
                    data-testid="member-role"
                  >
                    {workspaceRoles.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="px-4 py-2.5 text-slate-500">
                  <RelativeTime date={m.createdAt} />
                </td>
                <td className="px-4 py-2.5 text-right">
                  {m.id !== selfId && (
                    <Button
                      size="sm"
                      variant="ghost"
                      className="text-red-600 hover:bg-red-50 hover:text-red-700"
                      pending={remove.isPending && remove.variables?.userId === m.id}
                      onClick={() => {
                        if (
                          window.confirm(
                            `Remove ${m.email}? Their sessions and API keys stop working.`,
                          )
                        )
                          remove.mutate({ userId: m.id });
                      }}
                      data-testid="member-remove"
                    >
                      Remove
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {members.isPending && <p className="px-4 py-3 text-sm text-slate-500">Loading…</p>}
      </section>

      <InviteForm onCreated={refresh} />

      <section>
        <h2 className="text-sm font-semibold text-slate-900">Pending invites</h2>
        {invites.data?.length === 0 && (
          <p className="mt-2 text-sm text-slate-500" data-testid="no-invites">
            No invite links waiting to be used.
          </p>
        )}
        <ul className="mt-2 divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white">
          {invites.data?.map((invite) => (
            <li
              key={invite.id}
              className="flex items-center gap-3 px-4 py-2.5 text-sm"
              data-testid="invite-row"
            >
              <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">
                {invite.role}
              </span>
              <span className="min-w-0 flex-1 truncate text-slate-700">
                {invite.note || <span className="text-slate-400">No note</span>}
              </span>
              <span className="text-xs text-slate-500" title={invite.expiresAt.toLocaleString()}>
                {expiresIn(invite.expiresAt)}
              </span>
              <Button
                size="sm"
                variant="ghost"
                pending={revoke.isPending && revoke.variables?.id === invite.id}
                onClick={() => revoke.mutate({ id: invite.id })}
                data-testid="invite-revoke"
              >
                Revoke
              </Button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

/** "expires in 7 days" / "expires in 5 hours": invites only ever expire in the future. */
function expiresIn(at: Date): string {
  const hours = Math.max(0, (at.getTime() - Date.now()) / 3_600_000);
  if (hours >= 36) return `expires in ${Math.round(hours / 24)} days`;
  if (hours >= 1.5) return `expires in ${Math.round(hours)} hours`;
  return 'expires within the hour';
}

function InviteForm({ onCreated }: { onCreated: () => void }) {
  const trpc = useTRPC();
  const [role, setRole] = useState<WorkspaceRole>('editor');
  const invite = useMutation(trpc.members.invite.mutationOptions({ onSuccess: onCreated }));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    invite.mutate({
      role,
      note: String(form.get('note') ?? ''),
      expiresInDays: Number(form.get('expires') ?? 7),
    });
  };

  return (
    <section className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs">
      <h2 className="text-sm font-semibold text-slate-900">Invite a teammate</h2>
      <p className="mt-1 text-sm text-slate-600">
        Creates a link that lets one person create their account with the role you choose.
      </p>
      <form onSubmit={submit} className="mt-4 flex flex-wrap items-end gap-3">
        <label className="text-sm font-medium text-slate-800">
          Role
          <select
            className={`${selectClasses} mt-1.5 block h-9`}
            value={role}
            onChange={(e) => setRole(e.target.value as WorkspaceRole)}
            data-testid="invite-role-select"
          >
            {workspaceRoles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <TextField
          label="Note (optional)"
          name="note"
          placeholder="Who it is for"
          maxLength={200}
          className="min-w-48 flex-1"
          data-testid="invite-note"
        />
        <label className="text-sm font-medium text-slate-800">
          Expires in
          <select name="expires" defaultValue="7" className={`${selectClasses} mt-1.5 block h-9`}>
            <option value="1">1 day</option>
            <option value="7">7 days</option>
            <option value="30">30 days</option>
          </select>
        </label>
        <Button
          type="submit"
          variant="primary"
          pending={invite.isPending}
          data-testid="invite-create"
        >
          Create invite link
        </Button>
      </form>
      <p className="mt-2 text-xs text-slate-500">{roleDescriptions[role]}.</p>
      {invite.isError && (
        <Alert tone="error" className="mt-3" title={apiErrorDetails(invite.error).message} />
      )}
      {invite.data && (
        <div className="mt-4">
          <CopyOnce
            value={invite.data.url}
            note={`Send this link to your teammate (${invite.data.role}). It works once and is shown only now.`}
            data-testid="invite-link"
          />
        </div>
      )}
    </section>
  );
}
