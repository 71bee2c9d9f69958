import { z } from 'zod';
import { notificationEvents } from '@/db/schema/triggers';

/** pg-boss queue of notification deliveries: one job per (subscription, run, event). */
export const NOTIFICATION_QUEUE = 'run-notification';

export const notificationJobSchema = z.object({
  notificationId: z.uuid(),
  flowId: z.uuid(),
  event: z.enum(notificationEvents),
  runId: z.uuid().nullable(),
  /** Why the run is late (the 'late' event). */
  detail: z.string().nullable().optional(),
});
export type NotificationJob = z.infer<typeof notificationJobSchema>;
