import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { flows } from '@/db/schema';
import { env } from '@/server/env';
import { NotFoundError } from '@/server/errors';
import { flowIdSchema } from './schemas';
import { lockLiveFlow } from './store';

export const setRetentionInput = z.object({
  id: flowIdSchema,
  /** Days to keep finished runs; 0 = forever; null = the server default. */
  retentionDays: z
    .number()
    .int('must be a whole number of days')
    .min(0, 'must be 0 (keep forever) or more')
    .max(36500, 'must be at most 36500 days')
    .nullable(),
});

export interface FlowRetention {
  /** The flow's own setting; null follows the server default. */
  retentionDays: number | null;
  /** PIPEWRIGHT_RETENTION_DAYS (0 = forever). */
  defaultDays: number;
  /** What applies: days, or 0 for forever. */
  effectiveDays: number;
}

function describe(retentionDays: number | null): FlowRetention {
  const defaultDays = env().PIPEWRIGHT_RETENTION_DAYS;
  return { retentionDays, defaultDays, effectiveDays: retentionDays ?? defaultDays };
}

export async function getFlowRetention(db: Database, id: string): Promise<FlowRetention> {
  const [flow] = await db
    .select({ retentionDays: flows.retentionDays, deletedAt: flows.deletedAt })
    .from(flows)
    .where(eq(flows.id, id));
  if (!flow || flow.deletedAt) throw new NotFoundError('Flow', id);
  return describe(flow.retentionDays);
}

/** Sets how long this flow's finished runs are kept; the next cleanup applies it. */
export async function setFlowRetention(
  db: Database,
  input: z.infer<typeof setRetentionInput>,
): Promise<FlowRetention> {
  return db.transaction(async (tx) => {
    await lockLiveFlow(tx, input.id);
    await tx
      .update(flows)
      .set({ retentionDays: input.retentionDays })
      .where(eq(flows.id, input.id));
    return describe(input.retentionDays);
  });
}
