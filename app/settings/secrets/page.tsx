import type { Metadata } from 'next';
import { RoleRequired } from '@/app/_components/auth/role-required';
import { currentViewer } from '@/server/auth/page-session';
import { SecretsPage } from '../_components/secrets-page';

export const metadata: Metadata = { title: 'Secrets' };

export default async function Page() {
  const viewer = await currentViewer();
  if (viewer?.role !== 'owner') return <RoleRequired needed="owner" what="manage secrets" />;
  return <SecretsPage />;
}
