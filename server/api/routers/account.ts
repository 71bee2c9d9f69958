import { createTRPCRouter, viewerProcedure } from '@/server/api/trpc';
import { callerRole } from '@/server/auth/caller';

/** The caller's own account. */
export const accountRouter = createTRPCRouter({
  /** Who this session or API key is (the CLI's `login` checks a key with it). */
  me: viewerProcedure.query(({ ctx }) => {
    const { caller } = ctx;
    return {
      user: caller.kind === 'user' ? caller.user : null,
      role: callerRole(caller),
      via: caller.kind === 'user' ? caller.via : 'system',
    };
  }),
});
