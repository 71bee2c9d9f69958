import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { sessions, users } from '@/db/schema';
import { ConflictError, NotFoundError } from '@/server/errors';
import type { WorkspaceRole } from './roles';

/** Everyone in the workspace, oldest first (the first owner on top). */
export async function listMembers(db: Database) {
  return db
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      role: users.role,
      createdAt: users.createdAt,
    })
    .from(users)
    .orderBy(asc(users.createdAt), asc(users.id));
}

/**
 * Locks every owner row, then runs `fn`: two owners demoting each other at
 * the same moment take turns, so the workspace always keeps one owner.
 */
async function withOwnersLocked<T>(
  db: Database,
  fn: (tx: Parameters<Parameters<Database['transaction']>[0]>[0]) => Promise<T>,
) {
  return db.transaction(async (tx) => {
    await tx.select({ id: users.id }).from(users).where(eq(users.role, 'owner')).for('update');
    return fn(tx);
  });
}

async function assertNotLastOwner(
  tx: Parameters<Parameters<Database['transaction']>[0]>[0],
  userId: string,
  action: string,
) {
  const [others] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.role, 'owner'), ne(users.id, userId)));
  if ((others?.n ?? 0) === 0) {
    throw new ConflictError(`Cannot ${action} the last owner; make someone else owner first`);
  }
}

export async function changeMemberRole(
  db: Database,
  input: { userId: string; role: WorkspaceRole },
) {
  return withOwnersLocked(db, async (tx) => {
    const [member] = await tx.select().from(users).where(eq(users.id, input.userId)).for('update');
    if (!member) throw new NotFoundError('Member', input.userId);
    if (member.role === 'owner' && input.role !== 'owner') {
      await assertNotLastOwner(tx, member.id, 'demote');
    }
    const [updated] = await tx
      .update(users)
      .set({ role: input.role, updatedAt: sql`now()` })
      .where(eq(users.id, member.id))
      .returning({ id: users.id, name: users.name, email: users.email, role: users.role });
    return updated!;
  });
}

/**
 * Removes someone from the workspace: their account, sessions and API keys
 * go at once (cascade), so nothing they hold works any more.
 */
export async function removeMember(db: Database, userId: string) {
  return withOwnersLocked(db, async (tx) => {
    const [member] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
    if (!member) throw new NotFoundError('Member', userId);
    if (member.role === 'owner') await assertNotLastOwner(tx, member.id, 'remove');
    await tx.delete(sessions).where(eq(sessions.userId, member.id));
    await tx.delete(users).where(eq(users.id, member.id));
    return { id: member.id };
  });
}
