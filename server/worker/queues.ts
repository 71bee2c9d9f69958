import type PgBoss from 'pg-boss';
import { z } from 'zod';

/**
 * Every pg-boss queue, its payload schema and handler options, declared in
 * one place. Handlers parse their payload with the schema and are idempotent.
 */
export const queues = {
  'health-check': {
    payload: z.object({ sentAt: z.string() }),
    options: { retryLimit: 0, expireInSeconds: 30, retentionMinutes: 10 } satisfies Omit<
      PgBoss.Queue,
      'name'
    >,
  },
} as const;

export type QueueName = keyof typeof queues;
export const queueNames = Object.keys(queues) as QueueName[];
