import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { invites } from '@/db/schema';
import { NotFoundError } from '@/server/errors';
import type { WorkspaceRole } from './roles';
import { hashToken, newToken } from './tokens';

export const INVITE_PREFIX = 'pwi_';

/**
 * A new invite link. The token is returned once, inside the link; only its
 * hash is stored, so a database dump holds no usable invite.
 */
export async function createInvite(
  db: Database,
  input: { role: WorkspaceRole; note?: string; expiresInDays: number; createdBy: string | null },
  publicUrl: string,
) {
  const token = newToken(INVITE_PREFIX);
  const [invite] = await db
    .insert(invites)
    .values({
      tokenHash: hashToken(token),
      role: input.role,
      note: input.note?.trim() ?? '',
      createdBy: input.createdBy,
      expiresAt: sql`now() + make_interval(days => ${input.expiresInDays})`,
    })
    .returning({
      id: invites.id,
      role: invites.role,
      note: invites.note,
      expiresAt: invites.expiresAt,
    });
  return { ...invite!, url: `${publicUrl}/invite/${token}` };
}

/** Invites nobody has used yet and that still work. */
export async function listPendingInvites(db: Database) {
  return db
    .select({
      id: invites.id,
      role: invites.role,
      note: invites.note,
      createdAt: invites.createdAt,
      expiresAt: invites.expiresAt,
    })
    .from(invites)
    .where(
      and(isNull(invites.acceptedAt), isNull(invites.revokedAt), gt(invites.expiresAt, sql`now()`)),
    )
    .orderBy(desc(invites.createdAt));
}

export async function revokeInvite(db: Database, id: string) {
  const [revoked] = await db
    .update(invites)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(invites.id, id), isNull(invites.acceptedAt), isNull(invites.revokedAt)))
    .returning({ id: invites.id });
  if (!revoked) throw new NotFoundError('Pending invite', id);
  return revoked;
}
