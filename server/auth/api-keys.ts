import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { apiKeys, users } from '@/db/schema';
import { NotFoundError } from '@/server/errors';
import type { WorkspaceRole } from './roles';
import { hashToken, newToken, sameSecret } from './tokens';

export const API_KEY_PREFIX = 'pw_';
/** lastUsedAt is written at most this often per key (it is a hint, not an audit log). */
const LAST_USED_EVERY_SECONDS = 60;

/** A new key for `userId`; the key itself is in the result once and never again. */
export async function createApiKey(db: Database, input: { userId: string; name: string }) {
  const key = newToken(API_KEY_PREFIX);
  const [row] = await db
    .insert(apiKeys)
    .values({
      userId: input.userId,
      name: input.name.trim(),
      prefix: key.slice(0, API_KEY_PREFIX.length + 6),
      keyHash: hashToken(key),
    })
    .returning({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      createdAt: apiKeys.createdAt,
    });
  return { ...row!, key };
}

/** The caller's own keys, newest first, revoked ones included (marked). */
export async function listApiKeys(db: Database, userId: string) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.userId, userId))
    .orderBy(desc(apiKeys.createdAt));
}

/** Revokes one of the caller's keys; it stops working at once. */
export async function revokeApiKey(db: Database, input: { userId: string; id: string }) {
  const [revoked] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(
      and(eq(apiKeys.id, input.id), eq(apiKeys.userId, input.userId), isNull(apiKeys.revokedAt)),
    )
    .returning({ id: apiKeys.id });
  if (!revoked) throw new NotFoundError('Active API key', input.id);
  return revoked;
}

/**
 * The user behind a presented key, or null when the key is unknown or
 * revoked. Touches lastUsedAt (throttled, and without waiting for it).
 */
export async function authenticateApiKey(
  db: Database,
  key: string,
): Promise<{
  keyId: string;
  user: { id: string; name: string; email: string };
  role: WorkspaceRole;
} | null> {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  const keyHash = hashToken(key);
  const [row] = await db
    .select({
      keyId: apiKeys.id,
      keyHash: apiKeys.keyHash,
      userId: users.id,
      name: users.name,
      email: users.email,
      role: users.role,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)));
  if (!row || !sameSecret(row.keyHash, keyHash)) return null;
  void db
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiKeys.id, row.keyId),
        or(
          isNull(apiKeys.lastUsedAt),
          lt(apiKeys.lastUsedAt, sql`now() - make_interval(secs => ${LAST_USED_EVERY_SECONDS})`),
        ),
      ),
    )
    .catch((err: Error) => console.error(`[auth] api key last-used update: ${err.message}`));
  return {
    keyId: row.keyId,
    user: { id: row.userId, name: row.name, email: row.email },
    role: row.role,
  };
}
