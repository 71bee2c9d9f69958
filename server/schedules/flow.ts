import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { flows, schedules } from '@/db/schema';
import { NotFoundError } from '@/server/errors';

/** The flow a schedule is for; a deleted flow cannot get schedules. */
export async function getLiveFlow(tx: DbOrTx, flowId: string) {
  const [flow] = await tx
    .select()
    .from(flows)
    .where(and(eq(flows.id, flowId), isNull(flows.deletedAt)));
  if (!flow) throw new NotFoundError('Flow', flowId);
  return flow;
}

/** A schedule's row, locked for the rest of the transaction. */
export async function lockSchedule(tx: DbOrTx, id: string) {
  const [row] = await tx.select().from(schedules).where(eq(schedules.id, id)).for('update');
  if (!row) throw new NotFoundError('Schedule', id);
  return row;
}
