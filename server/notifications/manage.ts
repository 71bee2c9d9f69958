import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flowNotifications, flows, type NotificationEvent } from '@/db/schema';
import { NotFoundError } from '@/server/errors';
import { lockLiveFlow } from '@/server/flows/store';

/** A flow's notification subscriptions, oldest first, with their last delivery. */
export async function listNotifications(db: Database, flowId: string) {
  const [flow] = await db
    .select({ id: flows.id })
    .from(flows)
    .where(and(eq(flows.id, flowId), isNull(flows.deletedAt)));
  if (!flow) throw new NotFoundError('Flow', flowId);
  return db
    .select()
    .from(flowNotifications)
    .where(eq(flowNotifications.flowId, flowId))
    .orderBy(asc(flowNotifications.createdAt), asc(flowNotifications.id));
}

export async function createNotification(
  db: Database,
  input: { flowId: string; url: string; events: NotificationEvent[] },
) {
  return db.transaction(async (tx) => {
    await lockLiveFlow(tx, input.flowId);
    const [row] = await tx
      .insert(flowNotifications)
      .values({ flowId: input.flowId, url: input.url, events: input.events })
      .returning();
    return row!;
  });
}

export async function updateNotification(
  db: Database,
  input: { id: string; url?: string; events?: NotificationEvent[] },
) {
  const [row] = await db
    .update(flowNotifications)
    .set({
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.events !== undefined ? { events: input.events } : {}),
    })
    .where(eq(flowNotifications.id, input.id))
    .returning();
  if (!row) throw new NotFoundError('Notification', input.id);
  return row;
}

/** Deliveries already queued for it are dropped when they find it gone. */
export async function deleteNotification(db: Database, id: string) {
  const [row] = await db
    .delete(flowNotifications)
    .where(eq(flowNotifications.id, id))
    .returning({ id: flowNotifications.id });
  if (!row) throw new NotFoundError('Notification', id);
}
