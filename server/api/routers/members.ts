import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createTRPCRouter, ownerProcedure } from '@/server/api/trpc';
import { createInvite, listPendingInvites, revokeInvite } from '@/server/auth/invites';
import { changeMemberRole, listMembers, removeMember } from '@/server/auth/members';
import { workspaceRoles } from '@/server/auth/roles';
import { env } from '@/server/env';

const userIdInput = z.object({ userId: z.string().min(1).max(200) });

/** The workspace's people and invite links: owners only. */
export const membersRouter = createTRPCRouter({
  list: ownerProcedure.query(({ ctx }) => listMembers(ctx.runtime.db)),
  setRole: ownerProcedure
    .input(userIdInput.extend({ role: z.enum(workspaceRoles) }))
    .mutation(({ ctx, input }) => changeMemberRole(ctx.runtime.db, input)),
  remove: ownerProcedure.input(userIdInput).mutation(({ ctx, input }) => {
    if (ctx.caller.kind === 'user' && ctx.caller.user.id === input.userId) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: 'You cannot remove yourself; ask another owner',
      });
    }
    return removeMember(ctx.runtime.db, input.userId);
  }),
  invites: ownerProcedure.query(({ ctx }) => listPendingInvites(ctx.runtime.db)),
  /** A single-use link that lets one person sign up with `role`; shown once. */
  invite: ownerProcedure
    .input(
      z.object({
        role: z.enum(workspaceRoles),
        note: z.string().max(200).optional(),
        expiresInDays: z.number().int().min(1).max(30).default(7),
      }),
    )
    .mutation(({ ctx, input }) =>
      createInvite(
        ctx.runtime.db,
        { ...input, createdBy: ctx.caller.kind === 'user' ? ctx.caller.user.id : null },
        env().publicUrl,
      ),
    ),
  revokeInvite: ownerProcedure
    .input(z.object({ id: z.uuid() }))
    .mutation(({ ctx, input }) => revokeInvite(ctx.runtime.db, input.id)),
});
