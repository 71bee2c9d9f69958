import type { Metadata } from 'next';
import Link from 'next/link';
import { AppHeader } from './_components/app-header';
import { Providers } from './_lib/trpc';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Pipewright', template: '%s · Pipewright' },
  description: 'Draw pipelines, run them durably on Postgres.',
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">
        <Providers>
          <AppHeader>
            <nav className="flex h-full items-center gap-6 px-6 text-sm">
              <Link href="/" className="font-semibold tracking-tight text-slate-900">
                ◇ Pipewright
              </Link>
              <Link href="/" className="text-slate-600 hover:text-slate-900">
                Flows
              </Link>
              <Link href="/runs" className="text-slate-600 hover:text-slate-900">
                Runs
              </Link>
              <Link
                href="/settings/secrets"
                className="text-slate-600 hover:text-slate-900"
                data-testid="settings-link"
              >
                Settings
              </Link>
              <Link href="/workers" className="text-slate-600 hover:text-slate-900">
                Workers
              </Link>
              <Link href="/dashboard" className="text-slate-600 hover:text-slate-900">
                Dashboard
              </Link>
            </nav>
          </AppHeader>
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
