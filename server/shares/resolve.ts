import { and, eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { runShares } from '@/db/schema';
import { sameSecret } from '@/server/auth/tokens';
import { ShareLinkNotFoundError } from '@/server/errors';
import { activeShare } from './list';
import { hashShareToken } from './tokens';

/**
 * The run a share token opens. Looked up by the token's hash (an index
 * probe), then the stored hash is compared again in constant time, as API
 * keys and invites are, so no answer depends on how the database compared
 * strings; unknown, revoked and expired tokens all give the same NotFound.
 */
export async function resolveShareToken(db: Database, token: string) {
  const tokenHash = hashShareToken(token);
  const [row] = await db
    .select({
      id: runShares.id,
      runId: runShares.flowRunId,
      expiresAt: runShares.expiresAt,
      tokenHash: runShares.tokenHash,
    })
    .from(runShares)
    .where(and(eq(runShares.tokenHash, tokenHash), activeShare()));
  if (!row || !sameSecret(row.tokenHash, tokenHash)) throw new ShareLinkNotFoundError();
  return { id: row.id, runId: row.runId, expiresAt: row.expiresAt };
}

/** Like resolveShareToken, but null instead of an error (pages and routes that answer 404). */
export async function findActiveShare(db: Database, token: string) {
  try {
    return await resolveShareToken(db, token);
  } catch (err) {
    if (err instanceof ShareLinkNotFoundError) return null;
    throw err;
  }
}
