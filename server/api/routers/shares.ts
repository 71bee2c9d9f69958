import { createTRPCRouter, editorProcedure, viewerProcedure } from '@/server/api/trpc';
import { callerName } from '@/server/auth/caller';
import { createRunShare } from '@/server/shares/create';
import { listRunShares } from '@/server/shares/list';
import { revokeRunShare } from '@/server/shares/revoke';
import { createShareInput, listSharesInput, revokeShareInput } from '@/server/shares/schemas';
import { shareUrl } from '@/server/shares/url';

/**
 * Read-only public links to a run (`/share/<token>`): team actions. Reading
 * a run through a link is `runs.get`/`runs.logs`/`runs.items` with `share`.
 */
export const sharesRouter = createTRPCRouter({
  /** The URL is returned only here: the token is not stored, only its hash. */
  create: editorProcedure.input(createShareInput).mutation(async ({ ctx, input }) => {
    const share = await createRunShare(ctx.runtime.db, {
      ...input,
      createdBy: callerName(ctx.caller),
    });
    return {
      id: share.id,
      url: shareUrl(share.token, ctx.requestOrigin),
      createdAt: share.createdAt,
      expiresAt: share.expiresAt,
    };
  }),
  /** The run's links that still work (revoked and expired ones are left out). */
  list: viewerProcedure
    .input(listSharesInput)
    .query(({ ctx, input }) => listRunShares(ctx.runtime.db, input.runId)),
  revoke: editorProcedure
    .input(revokeShareInput)
    .mutation(({ ctx, input }) => revokeRunShare(ctx.runtime.db, input.id)),
});
