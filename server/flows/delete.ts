import { eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flows } from '@/db/schema';
import { lockLiveFlow } from './store';

/** Hides the flow and frees its name; its versions and runs stay readable. */
export async function deleteFlow(db: Database, id: string) {
  await db.transaction(async (tx) => {
    await lockLiveFlow(tx, id);
    await tx.update(flows).set({ deletedAt: new Date() }).where(eq(flows.id, id));
  });
}
