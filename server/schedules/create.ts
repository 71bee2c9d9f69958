import type { Database } from '@/db/client';
import { inTransaction } from '@/db/client';
import { schedules } from '@/db/schema';
import { checkScheduleConfig, configFromCreate } from './config';
import { getLiveFlow } from './flow';
import { materializeSchedule } from './materialize';
import type { CreateScheduleInput } from './schemas';
import { intervalAnchor } from './times';
import { scheduleView } from './view';

/** Saves a schedule and materialises its first runs, in one transaction. */
export async function createSchedule(db: Database, input: CreateScheduleInput, now: Date) {
  return inTransaction(db, async ({ tx }) => {
    await getLiveFlow(tx, input.flowId);
    const config = await checkScheduleConfig(tx, input.flowId, configFromCreate(input));
    const [row] = await tx
      .insert(schedules)
      .values({
        flowId: input.flowId,
        ...config,
        anchorAt: intervalAnchor(config.timezone, now),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await materializeSchedule(tx, row!, now);
    return scheduleView(row!, now);
  });
}
