import { and, eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { runShares } from '@/db/schema';
import { ShareLinkNotFoundError } from '@/server/errors';
import { activeShare } from './list';
import { hashShareToken } from './tokens';

/**
 * The run a share token opens. Looked up by the token's hash (an index
 * probe, not a string comparison, so timing reveals nothing about stored
 * tokens); unknown, revoked and expired tokens all give the same NotFound.
 */
export async function resolveShareToken(db: Database, token: string) {
  const [share] = await db
    .select({ id: runShares.id, runId: runShares.flowRunId, expiresAt: runShares.expiresAt })
    .from(runShares)
    .where(and(eq(runShares.tokenHash, hashShareToken(token)), activeShare()));
  if (!share) throw new ShareLinkNotFoundError();
  return share;
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
