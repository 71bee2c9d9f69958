import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database, DbOrTx } from '@/db/client';

const current = new AsyncLocalStorage<DbOrTx>();

/**
 * `db` for better-auth's drizzle adapter, remembering the transaction the
 * adapter opens around an endpoint (sign-up: user, account, session) so our
 * database hooks can run their own statements inside it — the admission
 * decision and the user's insert then commit or roll back together.
 */
export function trackingTransactions(db: Database): Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'transaction') return Reflect.get(target, prop, receiver);
      const transaction: Database['transaction'] = (fn, config) =>
        target.transaction((tx) => current.run(tx, () => fn(tx)), config);
      return transaction;
    },
  });
}

/** The better-auth transaction this code runs in, else `db` itself. */
export function currentAuthTransaction(db: Database): DbOrTx {
  return current.getStore() ?? db;
}
