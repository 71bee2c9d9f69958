import type { Metadata } from 'next';
import { RoleRequired } from '@/app/_components/auth/role-required';
import { currentViewer } from '@/server/auth/page-session';
import { MembersPage } from './_components/members-page';

export const metadata: Metadata = { title: 'Members' };

export default async function MembersSettingsPage() {
  const viewer = await currentViewer();
  if (viewer?.role !== 'owner') return <RoleRequired needed="owner" what="manage members" />;
  return <MembersPage selfId={viewer.id} />;
}
