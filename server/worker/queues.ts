import type PgBoss from 'pg-boss';
import { z } from 'zod';
import { TASK_QUEUE } from '@/server/execution/deps';
import { NOTIFICATION_QUEUE, notificationJobSchema } from '@/server/notifications/queue';

/**
 * Every pg-boss queue, its payload schema and options, declared in one
 * place. Handlers parse their payload with the schema and are idempotent.
 */
export const queues = {
  'health-check': {
    payload: z.object({ sentAt: z.string() }),
    options: { retryLimit: 0, expireInSeconds: 30, retentionMinutes: 10 } satisfies Omit<
      PgBoss.Queue,
      'name'
    >,
  },
  [TASK_QUEUE]: {
    payload: z.object({
      taskRunId: z.uuid(),
      attempt: z.number().int().positive(),
      flowRunId: z.uuid().optional(),
      nodeId: z.string().optional(),
    }),
    // Retries and expiry are decided per job (see sendTaskJob): our task-run
    // row, not pg-boss, is the source of truth.
    options: { retryLimit: 0, retentionDays: 7 } satisfies Omit<PgBoss.Queue, 'name'>,
  },
  [NOTIFICATION_QUEUE]: {
    payload: notificationJobSchema,
    // Retries (bounded, with backoff) are set per job from the environment.
    options: { retentionDays: 7 } satisfies Omit<PgBoss.Queue, 'name'>,
  },
} as const;

export type QueueName = keyof typeof queues;
export const queueNames = Object.keys(queues) as QueueName[];
