/**
 * Sign-ups racing on a fresh instance: exactly one becomes the owner, every
 * other one is refused as any later sign-up without an invite is, and
 * nothing of the refused ones is left in the database. Through better-auth's
 * own API against a real database (the HTTP version, limited by the sign-up
 * rate limit, is in tests/app/http-fuzz.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import pg from 'pg';
import { createDatabase, type Database } from '@/db/client';
import { accounts, invites, users } from '@/db/schema';
import { type Auth, createAuth } from '@/server/auth/auth';
import { createInvite } from '@/server/auth/invites';
import { hashToken } from '@/server/auth/tokens';
import { overrideEnv } from '@/server/env';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const RACERS = 24;
const password = 'correct horse battery';

let tdb: TestDatabase;
/** A pool with a connection per racer, so the pool never serialises them. */
let db: Database;
let auth: Auth;

before(async () => {
  overrideEnv({ PIPEWRIGHT_AUTH_SECRET: 'a-test-secret-that-is-long-enough-for-better-auth' });
  tdb = await createTestDatabase();
  db = createDatabase(tdb.url, { max: RACERS + 4 });
  auth = createAuth(db);
});
after(async () => {
  await db.$client.end();
  await tdb.drop();
});

/** How many of our connections are waiting for a lock (a row, a table or an advisory lock). */
async function waitingForLocks(): Promise<number> {
  const { rows } = await db.$client.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`,
  );
  return rows[0]!.n;
}

const signUp = (email: string, inviteToken?: string) =>
  auth.api.signUpEmail({
    body: { name: email.split('@')[0]!, email, password, ...(inviteToken ? { inviteToken } : {}) },
  });

describe('the first account of a fresh instance', () => {
  test(`${RACERS} simultaneous sign-ups: exactly one owner, the others need an invite`, async () => {
    // Hold inserts into users (reads still go through) until every sign-up
    // waits for a lock: without a decision that serialises them, all of them
    // would have counted zero users by then and all would become owners.
    const holder = new pg.Client({ connectionString: tdb.url });
    await holder.connect();
    await holder.query('begin');
    await holder.query('lock table users in share row exclusive mode');
    const racing = Promise.allSettled(
      Array.from({ length: RACERS }, (_, i) => signUp(`racer${i}@example.com`)),
    );
    const deadline = Date.now() + 30_000;
    while ((await waitingForLocks()) < RACERS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await holder.query('commit');
    await holder.end();
    const results = await racing;
    const admitted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(admitted.length, 1, `admitted: ${admitted.length}`);
    for (const r of refused) assert.match(String(r.reason), /needs an invite link/);

    const rows = await db.select({ email: users.email, role: users.role }).from(users);
    assert.deepEqual(
      rows.map((r) => r.role),
      ['owner'],
    );
    assert.equal(rows[0]!.email, admitted[0]!.value.user.email);
    // The refused ones left no account (password) rows behind either.
    assert.equal((await db.select().from(accounts)).length, 1);
  });

  test('after the race, an invite still admits with its role (and only once)', async () => {
    const [owner] = await db.select().from(users);
    const { url } = await createInvite(
      db,
      { role: 'editor', expiresInDays: 1, createdBy: owner!.id },
      'http://x',
    );
    const token = url.split('/invite/')[1]!;
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => signUp(`invited${i}@example.com`, token)),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const roles = (await db.select({ role: users.role }).from(users)).map((r) => r.role).sort();
    assert.deepEqual(roles, ['editor', 'owner']);
  });

  test('a sign-up that fails after its invite was checked leaves the invite usable', async () => {
    const [owner] = await db.select().from(users).where(eq(users.role, 'owner'));
    const { url } = await createInvite(
      db,
      { role: 'viewer', expiresInDays: 1, createdBy: owner!.id },
      'http://x',
    );
    const token = url.split('/invite/')[1]!;
    // The admission hook uses the invite up, then PostgreSQL refuses the name (a NUL).
    await assert.rejects(
      auth.api.signUpEmail({
        body: {
          name: 'a\u0000b',
          email: 'broken@example.com',
          password,
          ...{ inviteToken: token },
        },
      }),
    );
    const [invite] = await db
      .select()
      .from(invites)
      .where(eq(invites.tokenHash, hashToken(token)));
    assert.equal(invite?.acceptedAt, null, 'the failed sign-up rolled the invite back');
    await signUp('fixed@example.com', token);
    const [joined] = await db.select().from(users).where(eq(users.email, 'fixed@example.com'));
    assert.equal(joined?.role, 'viewer');
  });
});
