import { and, desc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flowRuns, runShares } from '@/db/schema';
import { NotFoundError } from '@/server/errors';

/** A link still opens the run: not revoked, not past its expiry (database clock). */
export const activeShare = () =>
  and(
    isNull(runShares.revokedAt),
    or(isNull(runShares.expiresAt), gt(runShares.expiresAt, sql`now()`)),
  );

/** A run's links that still open it, newest first (never their tokens). */
export async function listRunShares(db: Database, runId: string) {
  const [run] = await db.select({ id: flowRuns.id }).from(flowRuns).where(eq(flowRuns.id, runId));
  if (!run) throw new NotFoundError('Run', runId);
  return db
    .select({
      id: runShares.id,
      createdAt: runShares.createdAt,
      createdBy: runShares.createdBy,
      expiresAt: runShares.expiresAt,
    })
    .from(runShares)
    .where(and(eq(runShares.flowRunId, runId), activeShare()))
    .orderBy(desc(runShares.createdAt), desc(runShares.id));
}
