import { catalogRouter } from './routers/catalog';
import { flowsRouter } from './routers/flows';
import { runsRouter } from './routers/runs';
import { secretsRouter } from './routers/secrets';
import { variablesRouter } from './routers/variables';
import { createCallerFactory, createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  catalog: catalogRouter,
  flows: flowsRouter,
  runs: runsRouter,
  secrets: secretsRouter,
  variables: variablesRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
