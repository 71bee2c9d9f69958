import { eq } from 'drizzle-orm';
import { type Database, inTransaction } from '@/db/client';
import { schedules } from '@/db/schema';
import { lockSchedule } from './flow';
import { cancelUnfiredRuns } from './runs';

/** Deletes a schedule; its runs that have not fired are cancelled, the others stay (detached). */
export async function deleteSchedule(db: Database, id: string) {
  return inTransaction(db, async ({ tx }) => {
    await lockSchedule(tx, id);
    const cancelled = await cancelUnfiredRuns(tx, id, 'the schedule was deleted');
    await tx.delete(schedules).where(eq(schedules.id, id));
    return { id, cancelledRuns: cancelled };
  });
}
