import { createTRPCRouter, viewerProcedure } from '@/server/api/trpc';
import { describeCatalog } from '@/server/tasks/describe';

export const catalogRouter = createTRPCRouter({
  /** Every task type this server knows, for the palette and the config forms. */
  list: viewerProcedure.query(({ ctx }) => describeCatalog(ctx.runtime.catalog)),
});
