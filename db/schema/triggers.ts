import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { flows } from './flows';

/**
 * A flow's webhook: POST /api/hooks/<token> starts a run. The token is kept
 * to show it again in the editor; lookups go through its SHA-256 so the
 * index never compares secrets byte by byte.
 */
export const flowWebhooks = pgTable(
  'flow_webhooks',
  {
    flowId: uuid()
      .primaryKey()
      .references(() => flows.id),
    token: text().notNull(),
    tokenHash: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastTriggeredAt: timestamp({ withTimezone: true }),
  },
  (t) => [uniqueIndex('flow_webhooks_token_hash_unique').on(t.tokenHash)],
);

export const notificationEvents = ['failure', 'success', 'late'] as const;
export type NotificationEvent = (typeof notificationEvents)[number];

export const deliveryStatuses = ['delivered', 'retrying', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** A Slack-compatible webhook told when a flow's runs fail, succeed or are late. */
export const flowNotifications = pgTable(
  'flow_notifications',
  {
    id: uuid().primaryKey().defaultRandom(),
    flowId: uuid()
      .notNull()
      .references(() => flows.id),
    events: text().array().$type<NotificationEvent[]>().notNull(),
    url: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** The outcome of the latest delivery attempt, for the editor to show. */
    lastDeliveryAt: timestamp({ withTimezone: true }),
    lastDeliveryStatus: text().$type<DeliveryStatus>(),
    lastDeliveryError: text(),
    lastDeliveryRunId: uuid(),
    lastDeliveryEvent: text().$type<NotificationEvent>(),
    /** Attempts the latest delivery took (1 = first try). */
    lastDeliveryAttempts: integer(),
  },
  (t) => [index('flow_notifications_flow_idx').on(t.flowId)],
);
