import { createTRPCRouter, editorProcedure } from '@/server/api/trpc';
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
  list: editorProcedure
    .input(listNotificationsInput)
    .query(({ ctx, input }) => listNotifications(ctx.runtime.db, input.flowId)),
  create: editorProcedure
    .input(createNotificationInput)
    .mutation(({ ctx, input }) => createNotification(ctx.runtime.db, input)),
  update: editorProcedure
    .input(updateNotificationInput)
    .mutation(({ ctx, input }) => updateNotification(ctx.runtime.db, input)),
  delete: editorProcedure
    .input(deleteNotificationInput)
    .mutation(({ ctx, input }) => deleteNotification(ctx.runtime.db, input.id)),
});
