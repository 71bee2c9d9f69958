import { z } from 'zod';
import { ShareLinkNotFoundError } from '@/server/errors';
import { resolveShareToken } from '@/server/shares/resolve';
import { shareTokenSchema } from '@/server/shares/schemas';
import { assertRole, publicProcedure, refuseUnstorableText } from './trpc';

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
  // Decided before the input is parsed, so an anonymous caller without a
  // token is UNAUTHORIZED whatever it sent.
  .use(async ({ ctx, getRawInput, next, type }) => {
    const raw = await getRawInput();
    const share =
      typeof raw === 'object' && raw !== null ? (raw as { share?: unknown }).share : undefined;
    if (share === undefined) {
      assertRole(ctx, type, 'viewer');
      return next({ ctx: { reader: { mode: 'team' } as RunReader } });
    }
    const token = shareTokenSchema.safeParse(share);
    if (!token.success) throw new ShareLinkNotFoundError();
    const { runId } = await resolveShareToken(ctx.runtime.db, token.data);
    return next({ ctx: { reader: { mode: 'share', runId } as RunReader } });
  })
  .use(refuseUnstorableText)
  .input(z.object({ share: shareTokenSchema.optional() }));

/** A share reader asking about another run gets the same answer as a dead link. */
export function assertReadsRun(reader: RunReader, runId: string): void {
  if (reader.mode === 'share' && reader.runId !== runId) throw new ShareLinkNotFoundError();
}
