import type { Metadata } from 'next';
import Link from 'next/link';
import { AuthCard } from '@/app/_components/auth/auth-card';
import { SignUpForm } from '@/app/_components/auth/sign-up-form';
import { findUsableInvite } from '@/server/auth/admission';
import { currentViewer } from '@/server/auth/page-session';
import { roleDescriptions } from '@/server/auth/roles';
import { getRuntime } from '@/server/runtime';

export const metadata: Metadata = { title: 'Invitation' };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invite = await findUsableInvite(getRuntime().db, token);
  if (!invite) {
    return (
      <AuthCard
        title="This invite link does not work"
        data-testid="invite-invalid"
        subtitle="It was used already, has expired, or was revoked. Ask the workspace owner for a new one."
      >
        <Link href="/sign-in" className="text-sm font-medium text-indigo-600 hover:underline">
          Sign in with an existing account
        </Link>
      </AuthCard>
    );
  }
  const viewer = await currentViewer();
  if (viewer) {
    return (
      <AuthCard
        title="You are already signed in"
        data-testid="invite-signed-in"
        subtitle={`You are signed in as ${viewer.email}. Sign out first to accept this invite with a new account.`}
      >
        <Link href="/" className="text-sm font-medium text-indigo-600 hover:underline">
          Go to your flows
        </Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title="Join the workspace"
      data-testid="invite-page"
      subtitle={
        <>
          You are invited as <strong data-testid="invite-role">{invite.role}</strong>:{' '}
          {roleDescriptions[invite.role].toLowerCase()}.
        </>
      }
      footer={
        <>
          Already have an account?{' '}
          <Link href="/sign-in" className="font-medium text-indigo-600 hover:underline">
            Sign in
          </Link>
        </>
      }
    >
      <SignUpForm inviteToken={token} submitLabel="Create my account" />
    </AuthCard>
  );
}
