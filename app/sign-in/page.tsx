import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { AuthCard } from '@/app/_components/auth/auth-card';
import { currentViewer, isFreshInstance } from '@/server/auth/page-session';
import { safeNextPath } from '@/server/auth/public-paths';
import { SignInForm } from './sign-in-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { next } = await searchParams;
  const target = safeNextPath(typeof next === 'string' ? next : undefined);
  if (await currentViewer()) redirect(target);
  if (await isFreshInstance()) redirect('/sign-up');
  return (
    <AuthCard
      title="Sign in to Pipewright"
      data-testid="sign-in-page"
      footer="New here? Ask the workspace owner for an invite link."
    >
      <SignInForm next={target} />
    </AuthCard>
  );
}
