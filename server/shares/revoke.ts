import { eq, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { runShares } from '@/db/schema';
import { NotFoundError } from '@/server/errors';

/** Ends a link for good. Revoking twice keeps the first time. */
export async function revokeRunShare(db: Database, id: string) {
  const [share] = await db
    .update(runShares)
    .set({ revokedAt: sql`coalesce(${runShares.revokedAt}, now())` })
    .where(eq(runShares.id, id))
    .returning({
      id: runShares.id,
      runId: runShares.flowRunId,
      revokedAt: runShares.revokedAt,
    });
  if (!share) throw new NotFoundError('Share link', id);
  return { ...share, revokedAt: share.revokedAt! };
}
