import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { currentPagePath, currentViewer, signInPath } from '@/server/auth/page-session';
import { isPublicPage } from '@/server/auth/public-paths';
import { AppHeader } from './_components/app-header';
import { UserMenu } from './_components/user-menu';
import { EARLY_CLICKS_SCRIPT } from './_lib/early-clicks';
import { SessionProvider } from './_lib/session';
import { Providers } from './_lib/trpc';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Pipewright', template: '%s · Pipewright' },
  description: 'Draw pipelines, run them durably on Postgres.',
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Signed-out visitors see only the public pages (sign-in, sign-up,
  // invites, share links); the API refuses them whatever the page does.
  const path = await currentPagePath();
  const viewer = await currentViewer();
  if (!viewer && !isPublicPage(path)) redirect(await signInPath(path));
  return (
    <html lang="en">
      <head>
        {/* Before the body: a click on a button React does not own yet is held, not lost. */}
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: a constant of our own code, with no input in it. */}
        <script dangerouslySetInnerHTML={{ __html: EARLY_CLICKS_SCRIPT }} />
      </head>
      <body className="min-h-screen">
        <SessionProvider viewer={viewer}>
          <Providers>
            <AppHeader>
              <nav className="flex h-full items-center gap-6 px-6 text-sm">
                <Link href="/" className="font-semibold tracking-tight text-slate-900">
                  ◇ Pipewright
                </Link>
                {viewer && (
                  <>
                    <Link href="/" className="text-slate-600 hover:text-slate-900">
                      Flows
                    </Link>
                    <Link href="/runs" className="text-slate-600 hover:text-slate-900">
                      Runs
                    </Link>
                    <Link href="/dashboard" className="text-slate-600 hover:text-slate-900">
                      Dashboard
                    </Link>
                    <Link href="/workers" className="text-slate-600 hover:text-slate-900">
                      Workers
                    </Link>
                    <Link
                      href="/settings"
                      className="text-slate-600 hover:text-slate-900"
                      data-testid="settings-link"
                    >
                      Settings
                    </Link>
                    <UserMenu />
                  </>
                )}
              </nav>
            </AppHeader>
            <main>{children}</main>
          </Providers>
        </SessionProvider>
      </body>
    </html>
  );
}
