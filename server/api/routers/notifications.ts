import { createTRPCRouter, publicProcedure } from '@/server/api/trpc';
import {
  createNotification,
  deleteNotification,
  listNotifications,
  updateNotification,
} from '@/server/notifications/manage';
import {
  createNotificationInput,
  deleteNotificationInput,
  listNotificationsInput,
  updateNotificationInput,
} from '@/server/notifications/schemas';

/** A flow's run notifications: Slack-compatible webhooks told on failure, success or late. */
export const notificationsRouter = createTRPCRouter({
  list: publicProcedure
    .input(listNotificationsInput)
    .query(({ ctx, input }) => listNotifications(ctx.runtime.db, input.flowId)),
  create: publicProcedure
    .input(createNotificationInput)
    .mutation(({ ctx, input }) => createNotification(ctx.runtime.db, input)),
  update: publicProcedure
    .input(updateNotificationInput)
    .mutation(({ ctx, input }) => updateNotification(ctx.runtime.db, input)),
  delete: publicProcedure
    .input(deleteNotificationInput)
    .mutation(({ ctx, input }) => deleteNotification(ctx.runtime.db, input.id)),
});
