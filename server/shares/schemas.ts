import { z } from 'zod';
import { runIdSchema } from '@/server/runs/schemas';

/** At most a year; "never" is no expiry at all. */
export const MAX_SHARE_HOURS = 24 * 365;

/**
 * Any string is looked up (by its hash) and simply not found if it is not a
 * live token; the bound only keeps absurd inputs out.
 */
export const shareTokenSchema = z.string({ message: 'is not a share token' }).min(1).max(200);

export const shareIdSchema = z.uuid({ message: 'is not a share link id' });

export const createShareInput = z.object({
  runId: runIdSchema,
  expiresInHours: z
    .number({ message: 'must be a number of hours' })
    .positive({ message: 'must be more than 0 hours' })
    .max(MAX_SHARE_HOURS, { message: `must be at most ${MAX_SHARE_HOURS} hours (a year)` })
    .optional(),
});

export const listSharesInput = z.object({ runId: runIdSchema });

export const revokeShareInput = z.object({ id: shareIdSchema });
