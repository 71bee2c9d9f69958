import { createTRPCRouter, publicProcedure } from '@/server/api/trpc';
import { describeCatalog } from '@/server/tasks/describe';

export const catalogRouter = createTRPCRouter({
  /** Every task type this server knows, for the palette and the config forms. */
  list: publicProcedure.query(({ ctx }) => describeCatalog(ctx.runtime.catalog)),
});
