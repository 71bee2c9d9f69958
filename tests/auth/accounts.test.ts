/**
 * Accounts against a real database through better-auth's own API (no web
 * server): who may sign up and as what, invites, the last-owner rule, and
 * API keys hashed at rest, revocable, with a last-used time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { apiKeys, invites, users } from '@/db/schema';
import { authenticateApiKey, createApiKey, revokeApiKey } from '@/server/auth/api-keys';
import { type Auth, createAuth } from '@/server/auth/auth';
import { createInvite, listPendingInvites, revokeInvite } from '@/server/auth/invites';
import { changeMemberRole, listMembers, removeMember } from '@/server/auth/members';
import { hashToken } from '@/server/auth/tokens';
import { overrideEnv } from '@/server/env';
import { ConflictError } from '@/server/errors';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

let tdb: TestDatabase;
let auth: Auth;
const password = 'correct horse battery';

before(async () => {
  overrideEnv({ PIPEWRIGHT_AUTH_SECRET: 'a-test-secret-that-is-long-enough-for-better-auth' });
  tdb = await createTestDatabase();
  auth = createAuth(tdb.db);
});
after(() => tdb.drop());

const signUp = (email: string, inviteToken?: string) =>
  auth.api.signUpEmail({
    body: { name: email.split('@')[0]!, email, password, ...(inviteToken ? { inviteToken } : {}) },
  });

const tokenOf = (url: string) => url.split('/invite/')[1]!;
const roleOf = async (email: string) =>
  (await tdb.db.select({ role: users.role }).from(users).where(eq(users.email, email)))[0]?.role;

describe('sign-up: the first account owns the workspace, everyone else needs an invite', () => {
  let ownerId: string;

  test('the first account becomes the owner; a second one without an invite is refused', async () => {
    const first = await signUp('olivia@example.com');
    ownerId = first.user.id;
    assert.equal(await roleOf('olivia@example.com'), 'owner');
    await assert.rejects(signUp('mallory@example.com'), /needs an invite link/);
    assert.equal(await roleOf('mallory@example.com'), undefined);
  });

  test('a client cannot choose its own role: the invite decides it', async () => {
    const { url } = await createInvite(
      tdb.db,
      { role: 'viewer', expiresInDays: 1, createdBy: ownerId },
      'http://x',
    );
    const body = { name: 'Sly', email: 'sly@example.com', password, role: 'owner' };
    await auth.api.signUpEmail({ body: { ...body, inviteToken: tokenOf(url) } as typeof body });
    assert.equal(await roleOf('sly@example.com'), 'viewer');
  });

  test('an invite admits one person, with its role, once', async () => {
    const { url, role } = await createInvite(
      tdb.db,
      { role: 'editor', note: 'Ed', expiresInDays: 7, createdBy: ownerId },
      'http://pipewright.test',
    );
    assert.equal(role, 'editor');
    assert.match(url, /^http:\/\/pipewright\.test\/invite\/pwi_[A-Za-z0-9_-]{40,}$/);
    // Only the hash is stored.
    const stored = await tdb.db.select().from(invites);
    assert.ok(stored.every((i) => !url.includes(i.tokenHash)));
    assert.ok(stored.some((i) => i.tokenHash === hashToken(tokenOf(url))));

    const editor = await signUp('ed@example.com', tokenOf(url));
    assert.equal(await roleOf('ed@example.com'), 'editor');
    await assert.rejects(signUp('eve@example.com', tokenOf(url)), /not valid any more/);
    const [used] = await tdb.db
      .select()
      .from(invites)
      .where(eq(invites.tokenHash, hashToken(tokenOf(url))));
    assert.equal(used?.acceptedBy, editor.user.id);
    assert.ok(!(await listPendingInvites(tdb.db)).some((i) => i.id === used?.id));
  });

  test('an expired or revoked invite admits nobody', async () => {
    const expired = await createInvite(
      tdb.db,
      { role: 'viewer', expiresInDays: 1, createdBy: ownerId },
      'http://x',
    );
    await tdb.db
      .update(invites)
      .set({ expiresAt: sql`now() - interval '1 minute'` })
      .where(eq(invites.id, expired.id));
    await assert.rejects(signUp('late@example.com', tokenOf(expired.url)), /not valid any more/);

    const revoked = await createInvite(
      tdb.db,
      { role: 'viewer', expiresInDays: 1, createdBy: ownerId },
      'http://x',
    );
    await revokeInvite(tdb.db, revoked.id);
    await assert.rejects(signUp('gone@example.com', tokenOf(revoked.url)), /not valid any more/);
    await assert.rejects(signUp('guess@example.com', 'pwi_not-a-real-token'), /not valid any more/);
  });

  test('the last owner can be neither demoted nor removed', async () => {
    await assert.rejects(
      changeMemberRole(tdb.db, { userId: ownerId, role: 'editor' }),
      ConflictError,
    );
    await assert.rejects(removeMember(tdb.db, ownerId), ConflictError);
    const ed = (await listMembers(tdb.db)).find((m) => m.email === 'ed@example.com')!;
    await changeMemberRole(tdb.db, { userId: ed.id, role: 'owner' });
    // Now there are two owners: either may step down.
    await changeMemberRole(tdb.db, { userId: ownerId, role: 'editor' });
    assert.equal(await roleOf('olivia@example.com'), 'editor');
    await assert.rejects(changeMemberRole(tdb.db, { userId: ed.id, role: 'viewer' }), /last owner/);
    await changeMemberRole(tdb.db, { userId: ownerId, role: 'owner' });
  });
});

describe('API keys', () => {
  test('hashed at rest, usable, last-used time recorded, and dead once revoked', async () => {
    const [person] = await tdb.db.select().from(users).where(eq(users.email, 'ed@example.com'));
    const created = await createApiKey(tdb.db, { userId: person!.id, name: 'CI' });
    assert.match(created.key, /^pw_[A-Za-z0-9_-]{40,}$/);
    assert.equal(created.prefix, created.key.slice(0, 9));
    const [row] = await tdb.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    assert.equal(row?.keyHash, hashToken(created.key));
    assert.ok(!JSON.stringify(row).includes(created.key), 'the key itself is not stored');
    assert.equal(row?.lastUsedAt, null);

    const found = await authenticateApiKey(tdb.db, created.key);
    assert.equal(found?.user.email, 'ed@example.com');
    assert.equal(found?.role, 'owner');
    // lastUsedAt is written in the background; wait for it.
    for (let i = 0; i < 50; i++) {
      const [now] = await tdb.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
      if (now?.lastUsedAt) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const [used] = await tdb.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    assert.ok(used?.lastUsedAt instanceof Date, 'lastUsedAt was set');

    assert.equal(await authenticateApiKey(tdb.db, `${created.key}x`), null);
    assert.equal(await authenticateApiKey(tdb.db, 'not-a-key'), null);
    // Only its owner can revoke it.
    await assert.rejects(revokeApiKey(tdb.db, { userId: 'someone-else', id: created.id }));
    await revokeApiKey(tdb.db, { userId: person!.id, id: created.id });
    assert.equal(await authenticateApiKey(tdb.db, created.key), null);
  });

  test('removing a member ends their API keys and sessions', async () => {
    const [person] = await tdb.db.select().from(users).where(eq(users.email, 'olivia@example.com'));
    const { key } = await createApiKey(tdb.db, { userId: person!.id, name: 'laptop' });
    assert.ok(await authenticateApiKey(tdb.db, key));
    await removeMember(tdb.db, person!.id);
    assert.equal(await authenticateApiKey(tdb.db, key), null);
  });
});
