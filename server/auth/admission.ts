import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '@/db/client';
import { invites, users } from '@/db/schema';
import type { WorkspaceRole } from './roles';
import { hashToken, sameSecret } from './tokens';

/** Why a sign-up was refused, in words for the person signing up. */
export class AdmissionRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdmissionRefused';
  }
}

/** Held while a sign-up without an invite decides whether it is the first account. */
const FIRST_ACCOUNT_LOCK = 'pipewright:first-account';

export async function countUsers(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  return row?.n ?? 0;
}

/** What an invite link grants, if it is still good (for the invite page). */
export async function findUsableInvite(db: Database, token: string) {
  const tokenHash = hashToken(token);
  const [invite] = await db
    .select({
      id: invites.id,
      role: invites.role,
      tokenHash: invites.tokenHash,
      note: invites.note,
    })
    .from(invites)
    .where(
      and(
        eq(invites.tokenHash, tokenHash),
        isNull(invites.acceptedAt),
        isNull(invites.revokedAt),
        gt(invites.expiresAt, sql`now()`),
      ),
    );
  // The lookup is by hash; the constant-time comparison is belt and braces.
  if (!invite || !sameSecret(invite.tokenHash, tokenHash)) return null;
  return { id: invite.id, role: invite.role, note: invite.note };
}

/**
 * Decides the role of someone signing up, or refuses them: the very first
 * account of an instance becomes the owner; after that, only a valid invite
 * (single use, not expired, not revoked) lets anyone in, with its role. The
 * invite is used up here, atomically, so one link admits one person.
 *
 * `db` is the sign-up's transaction (the one that inserts the user): the
 * "no account yet" check takes a transaction-scoped advisory lock first, so
 * sign-ups racing on a fresh instance decide one after another, each after
 * the previous one's user is committed (or rolled back) — one owner, ever.
 */
export async function admitNewUser(
  db: DbOrTx,
  inviteToken: string | undefined,
): Promise<{ role: WorkspaceRole; inviteId: string | null }> {
  if (inviteToken) {
    const tokenHash = hashToken(inviteToken);
    const [used] = await db
      .update(invites)
      .set({ acceptedAt: sql`now()` })
      .where(
        and(
          eq(invites.tokenHash, tokenHash),
          isNull(invites.acceptedAt),
          isNull(invites.revokedAt),
          gt(invites.expiresAt, sql`now()`),
        ),
      )
      .returning({ id: invites.id, role: invites.role, tokenHash: invites.tokenHash });
    if (!used || !sameSecret(used.tokenHash, tokenHash)) {
      throw new AdmissionRefused(
        'This invite link is not valid any more (used, expired or revoked); ask the owner for a new one',
      );
    }
    return { role: used.role, inviteId: used.id };
  }
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${FIRST_ACCOUNT_LOCK}))`);
  if ((await countUsers(db)) === 0) return { role: 'owner', inviteId: null };
  throw new AdmissionRefused('Joining this workspace needs an invite link from its owner');
}

/** Records who used an invite, once their account exists. */
export async function recordInviteAcceptance(db: Database, inviteToken: string, userId: string) {
  await db
    .update(invites)
    .set({ acceptedBy: userId })
    .where(and(eq(invites.tokenHash, hashToken(inviteToken)), isNull(invites.acceptedBy)));
}
