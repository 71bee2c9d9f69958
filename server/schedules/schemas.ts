import { z } from 'zod';
import { catchupPolicies, scheduleKinds } from '@/db/schema/schedules';

export const scheduleIdSchema = z.uuid({ message: 'is not a schedule id' });

/** What may be set on a schedule; the cron, timezone and parameters are checked by the verbs, naming the field. */
const scheduleFields = {
  name: z.string().trim().min(1, 'Name is required').max(200, 'Name is too long'),
  kind: z.enum(scheduleKinds),
  cron: z.string().max(200),
  intervalSeconds: z.number().int('must be a whole number of seconds'),
  timezone: z.string().trim().min(1, 'Timezone is required').max(100),
  params: z.record(z.string(), z.unknown()),
  /** Pin a version; null (or absent) runs the flow's latest version at each fire. */
  version: z.number().int().positive().nullable(),
  active: z.boolean(),
  catchup: z.enum(catchupPolicies),
  catchupWindowMinutes: z.number().int().min(1).max(525_600).nullable(),
  lateAfterSeconds: z.number().int().min(1).max(86_400),
};

export const createScheduleInput = z.object({
  flowId: z.uuid({ message: 'is not a flow id' }),
  ...z.object(scheduleFields).partial().shape,
});
export type CreateScheduleInput = z.infer<typeof createScheduleInput>;

export const updateScheduleInput = z.object({
  id: scheduleIdSchema,
  ...z.object(scheduleFields).partial().shape,
});
export type UpdateScheduleInput = z.infer<typeof updateScheduleInput>;

export const listSchedulesInput = z
  .object({ flowId: z.uuid({ message: 'is not a flow id' }).optional() })
  .optional();

export const scheduleByIdInput = z.object({ id: scheduleIdSchema });

/** A saved schedule, or an unsaved timing being typed in a form. */
// One object rather than a union of "saved" and "draft": a union that
// fails answers only "Invalid input", without naming the field at fault.
export const upcomingInput = z.object({
  id: scheduleIdSchema.optional(),
  kind: z.enum(scheduleKinds).optional(),
  cron: z.string().max(200).optional(),
  intervalSeconds: z.number().int().optional(),
  timezone: z.string().max(100).optional(),
  count: z.number().int().min(1).max(50).optional(),
});
export type UpcomingInput = z.infer<typeof upcomingInput>;
