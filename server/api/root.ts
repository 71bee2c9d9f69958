import { catalogRouter } from './routers/catalog';
import { flowsRouter } from './routers/flows';
import { runsRouter } from './routers/runs';
import { workersRouter } from './routers/workers';
import { createCallerFactory, createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  catalog: catalogRouter,
  flows: flowsRouter,
  runs: runsRouter,
  workers: workersRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
