import { catalogRouter } from './routers/catalog';
import { flowsRouter } from './routers/flows';
import { notificationsRouter } from './routers/notifications';
import { runsRouter } from './routers/runs';
import { createCallerFactory, createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  catalog: catalogRouter,
  flows: flowsRouter,
  notifications: notificationsRouter,
  runs: runsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
