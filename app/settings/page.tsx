import { redirect } from 'next/navigation';
import { currentViewer } from '@/server/auth/page-session';

/** Settings opens on the first section the viewer may use. */
export default async function SettingsPage() {
  const viewer = await currentViewer();
  redirect(viewer?.role === 'owner' ? '/settings/secrets' : '/settings/variables');
}
