import { z } from 'zod';
import { ShareLinkNotFoundError } from '@/server/errors';
import { resolveShareToken } from '@/server/shares/resolve';
import { shareTokenSchema } from '@/server/shares/schemas';
import { assertRole, publicProcedure } from './trpc';

/**
 * Who reads a run: a signed-in teammate (viewer or above), or whoever holds
 * a share link — which opens exactly one run, with no account.
 */
export type RunReader = { mode: 'team' } | { mode: 'share'; runId: string };

/**
 * The base of every read the run page makes. Without a `share` token the
 * caller must be a viewer; with one, the caller is a share reader of that
 * one run, and a revoked or expired token is NOT_FOUND before the procedure
 * runs.
 */
export const runReadProcedure = publicProcedure
  .input(z.object({ share: shareTokenSchema.optional() }))
  .use(async ({ ctx, input, next, type }) => {
    if (input.share === undefined) {
      assertRole(ctx, type, 'viewer');
      return next({ ctx: { reader: { mode: 'team' } as RunReader } });
    }
    const { runId } = await resolveShareToken(ctx.runtime.db, input.share);
    return next({ ctx: { reader: { mode: 'share', runId } as RunReader } });
  });

/** A share reader asking about another run gets the same answer as a dead link. */
export function assertReadsRun(reader: RunReader, runId: string): void {
  if (reader.mode === 'share' && reader.runId !== runId) throw new ShareLinkNotFoundError();
}
