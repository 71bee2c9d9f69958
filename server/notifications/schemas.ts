import { z } from 'zod';
import { notificationEvents } from '@/db/schema/triggers';

export const notificationIdSchema = z.uuid({ message: 'is not a notification id' });

export const notificationUrlSchema = z
  .string()
  .trim()
  .min(1, 'The webhook URL is required')
  .max(2000, 'The URL is too long (2,000 characters at most)')
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL, e.g. https://hooks.slack.com/services/…');

export const notificationEventsSchema = z
  .array(z.enum(notificationEvents))
  .min(1, 'Choose at least one event: failure, success or late')
  .transform((events) => [...new Set(events)]);

export const listNotificationsInput = z.object({ flowId: z.uuid({ message: 'is not a flow id' }) });
export const createNotificationInput = z.object({
  flowId: z.uuid({ message: 'is not a flow id' }),
  url: notificationUrlSchema,
  events: notificationEventsSchema,
});
export const updateNotificationInput = z.object({
  id: notificationIdSchema,
  url: notificationUrlSchema.optional(),
  events: notificationEventsSchema.optional(),
});
export const deleteNotificationInput = z.object({ id: notificationIdSchema });
