import type { Metadata } from 'next';
import { env } from '@/server/env';
import { ApiKeysPage } from './_components/api-keys-page';

export const metadata: Metadata = { title: 'API keys' };

/** Every member has keys (the layout already sent signed-out visitors to sign in). */
export default function ApiKeysSettingsPage() {
  return <ApiKeysPage serverUrl={env().publicUrl} />;
}
