import { accountRouter } from './routers/account';
import { apiKeysRouter } from './routers/api-keys';
import { catalogRouter } from './routers/catalog';
import { dashboardRouter } from './routers/dashboard';
import { flowsRouter } from './routers/flows';
import { membersRouter } from './routers/members';
import { notificationsRouter } from './routers/notifications';
import { runsRouter } from './routers/runs';
import { schedulesRouter } from './routers/schedules';
import { secretsRouter } from './routers/secrets';
import { sharesRouter } from './routers/shares';
import { variablesRouter } from './routers/variables';
import { workersRouter } from './routers/workers';
import { createCallerFactory, createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  catalog: catalogRouter,
  dashboard: dashboardRouter,
  flows: flowsRouter,
  notifications: notificationsRouter,
  runs: runsRouter,
  secrets: secretsRouter,
  variables: variablesRouter,
  schedules: schedulesRouter,
  shares: sharesRouter,
  workers: workersRouter,
  members: membersRouter,
  apiKeys: apiKeysRouter,
  account: accountRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
