import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { AuthCard } from '@/app/_components/auth/auth-card';
import { SignUpForm } from '@/app/_components/auth/sign-up-form';
import { currentViewer, isFreshInstance } from '@/server/auth/page-session';

export const metadata: Metadata = { title: 'Create the owner account' };

/**
 * On a fresh instance the first visitor creates the owner account; after
 * that, people join through an invite link only.
 */
export default async function SignUpPage() {
  if (await currentViewer()) redirect('/');
  if (!(await isFreshInstance())) {
    return (
      <AuthCard
        title="Joining needs an invite"
        data-testid="sign-up-closed"
        subtitle="This Pipewright already has an owner. Ask them for an invite link from Settings → Members."
      >
        <Link href="/sign-in" className="text-sm font-medium text-indigo-600 hover:underline">
          Sign in instead
        </Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title="Create the owner account"
      data-testid="sign-up-owner"
      subtitle="Welcome to Pipewright. This first account owns the workspace: it invites teammates and sets their roles."
    >
      <SignUpForm submitLabel="Create the owner account" />
    </AuthCard>
  );
}
