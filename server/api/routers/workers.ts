import { createTRPCRouter, viewerProcedure } from '@/server/api/trpc';
import { listWorkers } from '@/server/worker/list';

export const workersRouter = createTRPCRouter({
  /** Every worker that registered, with online/offline and what it runs. */
  list: viewerProcedure.query(({ ctx }) => listWorkers(ctx.runtime.db)),
});
