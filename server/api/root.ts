import { accountRouter } from './routers/account';
import { apiKeysRouter } from './routers/api-keys';
import { catalogRouter } from './routers/catalog';
import { flowsRouter } from './routers/flows';
import { membersRouter } from './routers/members';
import { runsRouter } from './routers/runs';
import { createCallerFactory, createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  catalog: catalogRouter,
  flows: flowsRouter,
  runs: runsRouter,
  members: membersRouter,
  apiKeys: apiKeysRouter,
  account: accountRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
