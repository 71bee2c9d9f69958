import { catalogRouter } from './routers/catalog';
import { flowsRouter } from './routers/flows';
import { runsRouter } from './routers/runs';
import { schedulesRouter } from './routers/schedules';
import { createCallerFactory, createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  catalog: catalogRouter,
  flows: flowsRouter,
  runs: runsRouter,
  schedules: schedulesRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
