import type { Metadata } from 'next';
import { RoleRequired } from '@/app/_components/auth/role-required';
import { currentViewer } from '@/server/auth/page-session';
import { roleAllows } from '@/server/auth/roles';
import { env } from '@/server/env';
import { ApiKeysPage } from './_components/api-keys-page';

export const metadata: Metadata = { title: 'API keys' };

export default async function ApiKeysSettingsPage() {
  const viewer = await currentViewer();
  if (!roleAllows(viewer?.role, 'editor'))
    return <RoleRequired needed="editor" what="have API keys" />;
  return <ApiKeysPage serverUrl={env().publicUrl} />;
}
