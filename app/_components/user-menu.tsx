'use client';

import Link from 'next/link';
import { useState } from 'react';
import { authRequest } from '@/app/_lib/auth-client';
import { HOLD_EARLY_CLICKS } from '@/app/_lib/early-clicks';
import { useCan, useViewer } from '@/app/_lib/session';
import { ChevronDownIcon } from './icons';
import { Popover } from './popover';

/** The signed-in person in the top bar: role, settings they may open, sign out. */
export function UserMenu() {
  const viewer = useViewer();
  const isOwner = useCan('owner');
  const isEditor = useCan('editor');
  const [open, setOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  if (!viewer) return null;

  const signOut = async () => {
    setSigningOut(true);
    await authRequest('/sign-out');
    window.location.assign('/sign-in');
  };

  return (
    <div className="relative ml-auto">
      <button
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
        aria-haspopup="menu"
        data-testid="user-menu"
        {...HOLD_EARLY_CLICKS}
        data-role={viewer.role}
        className="flex items-center gap-2 rounded-md px-2 py-1 text-sm text-slate-700 hover:bg-slate-100"
      >
        <span
          aria-hidden="true"
          className="flex size-6 items-center justify-center rounded-full bg-indigo-100 text-xs font-semibold text-indigo-700"
        >
          {(viewer.name || viewer.email).slice(0, 1).toUpperCase()}
        </span>
        <span className="max-w-40 truncate">{viewer.name || viewer.email}</span>
        <span
          className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600"
          data-testid="user-role"
        >
          {viewer.role}
        </span>
        <ChevronDownIcon className="size-3.5 text-slate-400" />
      </button>
      <Popover
        open={open}
        onClose={() => setOpen(false)}
        label="Account"
        className="w-56 p-1"
        data-testid="user-menu-panel"
      >
        <div className="border-b border-slate-100 px-3 py-2 text-xs text-slate-500">
          Signed in as <span className="font-medium text-slate-700">{viewer.email}</span>
        </div>
        <nav className="py-1 text-sm" aria-label="Account">
          {isOwner && (
            <MenuLink
              href="/settings/members"
              onNavigate={() => setOpen(false)}
              testId="menu-members"
            >
              Members
            </MenuLink>
          )}
          {isEditor && (
            <MenuLink
              href="/settings/api-keys"
              onNavigate={() => setOpen(false)}
              testId="menu-api-keys"
            >
              API keys
            </MenuLink>
          )}
          <button
            type="button"
            onClick={() => void signOut()}
            disabled={signingOut}
            data-testid="sign-out"
            className="block w-full rounded px-3 py-1.5 text-left text-slate-700 hover:bg-slate-100 disabled:opacity-50"
          >
            {signingOut ? 'Signing out…' : 'Sign out'}
          </button>
        </nav>
      </Popover>
    </div>
  );
}

function MenuLink({
  href,
  onNavigate,
  testId,
  children,
}: {
  href: string;
  onNavigate: () => void;
  testId: string;
  children: React.ReactNode;
}) {
  return (
    <Link
      href={href}
      onClick={onNavigate}
      data-testid={testId}
      className="block rounded px-3 py-1.5 text-slate-700 hover:bg-slate-100"
    >
      {children}
    </Link>
  );
}
