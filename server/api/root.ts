import { catalogRouter } from './routers/catalog';
import { flowsRouter } from './routers/flows';
import { runsRouter } from './routers/runs';
import { sharesRouter } from './routers/shares';
import { createCallerFactory, createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  catalog: catalogRouter,
  flows: flowsRouter,
  runs: runsRouter,
  shares: sharesRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
