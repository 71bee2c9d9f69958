import { catalogRouter } from './routers/catalog';
import { dashboardRouter } from './routers/dashboard';
import { flowsRouter } from './routers/flows';
import { runsRouter } from './routers/runs';
import { createCallerFactory, createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  catalog: catalogRouter,
  dashboard: dashboardRouter,
  flows: flowsRouter,
  runs: runsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
