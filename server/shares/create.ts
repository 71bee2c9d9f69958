import { eq, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flowRuns, runShares } from '@/db/schema';
import { NotFoundError } from '@/server/errors';
import { mintShareToken } from './tokens';

/**
 * Mints a read-only public link to a run. Returns the token once: only its
 * hash is stored. The expiry is computed by the database clock, the same
 * clock that checks it.
 */
export async function createRunShare(
  db: Database,
  input: { runId: string; expiresInHours?: number; createdBy?: string | null },
) {
  const { token, tokenHash } = mintShareToken();
  return db.transaction(async (tx) => {
    const [run] = await tx
      .select({ id: flowRuns.id })
      .from(flowRuns)
      .where(eq(flowRuns.id, input.runId))
      .for('share');
    if (!run) throw new NotFoundError('Run', input.runId);
    const seconds =
      input.expiresInHours === undefined ? null : Math.round(input.expiresInHours * 3600);
    const [share] = await tx
      .insert(runShares)
      .values({
        flowRunId: run.id,
        tokenHash,
        createdBy: input.createdBy ?? null,
        expiresAt: seconds === null ? null : sql`now() + make_interval(secs => ${seconds})`,
      })
      .returning({
        id: runShares.id,
        createdAt: runShares.createdAt,
        expiresAt: runShares.expiresAt,
      });
    return { ...share!, runId: run.id, token };
  });
}
