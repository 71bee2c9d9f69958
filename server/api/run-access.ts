import { z } from 'zod';
import { ShareLinkNotFoundError } from '@/server/errors';
import { resolveShareToken } from '@/server/shares/resolve';
import { shareTokenSchema } from '@/server/shares/schemas';
import { publicProcedure } from './trpc';

/**
 * Who reads a run: a teammate, or whoever holds a share link — which opens
 * exactly one run. (When teammates sign in, the `team` branch is where an
 * account will be required; a share token stays enough for its one run.)
 */
export type RunReader = { mode: 'team' } | { mode: 'share'; runId: string };

/**
 * The base of every read the run page makes. An optional `share` token in
 * the input turns the caller into a share reader; a revoked or expired token
 * is NOT_FOUND before the procedure runs.
 */
export const runReadProcedure = publicProcedure
  .input(z.object({ share: shareTokenSchema.optional() }))
  .use(async ({ ctx, input, next }) => {
    const reader: RunReader =
      input.share === undefined
        ? { mode: 'team' }
        : { mode: 'share', runId: (await resolveShareToken(ctx.runtime.db, input.share)).runId };
    return next({ ctx: { reader } });
  });

/** A share reader asking about another run gets the same answer as a dead link. */
export function assertReadsRun(reader: RunReader, runId: string): void {
  if (reader.mode === 'share' && reader.runId !== runId) throw new ShareLinkNotFoundError();
}
