'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/app/_lib/cn';
import { useCan } from '@/app/_lib/session';

/** Each section and the least role that may open it. */
const sections = [
  { href: '/settings/variables', label: 'Variables', hint: 'Shared JSON values', role: 'viewer' },
  { href: '/settings/secrets', label: 'Secrets', hint: 'Encrypted values', role: 'owner' },
  { href: '/settings/members', label: 'Members', hint: 'Invites and roles', role: 'owner' },
  {
    href: '/settings/api-keys',
    label: 'API keys',
    hint: 'For the CLI and programs',
    role: 'editor',
  },
] as const;

/** The settings sections the viewer may open, the current one highlighted. */
export function SettingsNav() {
  const pathname = usePathname();
  const can = { viewer: true, editor: useCan('editor'), owner: useCan('owner') };
  return (
    <nav aria-label="Settings" className="flex gap-1 md:flex-col" data-testid="settings-nav">
      {sections
        .filter((s) => can[s.role])
        .map((s) => {
          const current = pathname === s.href || pathname.startsWith(`${s.href}/`);
          return (
            <Link
              key={s.href}
              href={s.href}
              aria-current={current ? 'page' : undefined}
              className={cn(
                'rounded-md px-3 py-2 text-sm transition-colors focus-visible:outline-2 focus-visible:outline-indigo-600',
                current
                  ? 'bg-indigo-50 font-medium text-indigo-700'
                  : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900',
              )}
            >
              {s.label}
              <span className="hidden text-xs font-normal text-slate-500 md:block">{s.hint}</span>
            </Link>
          );
        })}
    </nav>
  );
}
