import { eq } from 'drizzle-orm';
import { type Database, inTransaction } from '@/db/client';
import { schedules } from '@/db/schema';
import { lockSchedule } from './flow';
import { materializeSchedule } from './materialize';
import { cancelUnfiredRuns } from './runs';
import { scheduleView } from './view';

/**
 * Pauses or resumes a schedule. Pausing cancels its runs that have not fired
 * (reason "the schedule was paused"); resuming materialises from now on —
 * slots that passed while paused are not run.
 */
export async function setScheduleActive(db: Database, id: string, active: boolean, now: Date) {
  return inTransaction(db, async ({ tx }) => {
    const row = await lockSchedule(tx, id);
    if (row.active === active) return scheduleView(row, now);
    const [updated] = await tx
      .update(schedules)
      .set({
        active,
        updatedAt: now,
        refillAt: null,
        ...(active ? { materializedThrough: now, notice: null } : {}),
      })
      .where(eq(schedules.id, id))
      .returning();
    if (active) await materializeSchedule(tx, updated!, now);
    else await cancelUnfiredRuns(tx, id, 'the schedule was paused');
    return scheduleView(updated!, now);
  });
}
