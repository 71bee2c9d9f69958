'use client';

import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';

/**
 * The app's top bar. Pages opened through a share link (`/share/…`) are for
 * people without an account: they get their own slim bar, not this one.
 */
export function AppHeader({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  if (pathname?.startsWith('/share/')) return null;
  return <header className="h-12 border-b border-slate-200 bg-white">{children}</header>;
}
