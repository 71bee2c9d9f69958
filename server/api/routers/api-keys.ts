import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createTRPCRouter, editorProcedure } from '@/server/api/trpc';
import { createApiKey, listApiKeys, revokeApiKey } from '@/server/auth/api-keys';
import type { SignedInCaller } from '@/server/auth/caller';

function ownerOfKeys(caller: SignedInCaller): string {
  if (caller.kind !== 'user') {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'API keys belong to a signed-in person' });
  }
  return caller.user.id;
}

/**
 * The caller's own API keys (for the CLI and programs). Keys act with their
 * owner's role; they are for automation, so editors and owners have them.
 */
export const apiKeysRouter = createTRPCRouter({
  list: editorProcedure.query(({ ctx }) => listApiKeys(ctx.runtime.db, ownerOfKeys(ctx.caller))),
  /** The key is in the answer once; only its hash is kept. */
  create: editorProcedure
    .input(z.object({ name: z.string().trim().min(1, 'Name is required').max(100) }))
    .mutation(({ ctx, input }) =>
      createApiKey(ctx.runtime.db, { userId: ownerOfKeys(ctx.caller), name: input.name }),
    ),
  revoke: editorProcedure
    .input(z.object({ id: z.uuid() }))
    .mutation(({ ctx, input }) =>
      revokeApiKey(ctx.runtime.db, { userId: ownerOfKeys(ctx.caller), id: input.id }),
    ),
});
