import { eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flowWebhooks } from '@/db/schema';
import { env } from '@/server/env';
import { lockLiveFlow } from '@/server/flows/store';
import { hashWebhookToken, newWebhookToken, webhookPath } from './token';

export interface FlowWebhook {
  token: string;
  /** The full URL to POST to (on PIPEWRIGHT_PUBLIC_URL). */
  url: string;
  path: string;
  createdAt: Date;
  lastTriggeredAt: Date | null;
}

export function describeWebhook(row: typeof flowWebhooks.$inferSelect): FlowWebhook {
  const path = webhookPath(row.token);
  return {
    token: row.token,
    url: `${env().publicUrl}${path}`,
    path,
    createdAt: row.createdAt,
    lastTriggeredAt: row.lastTriggeredAt,
  };
}

/** A flow's webhook, created the first time someone asks for it. */
export async function getFlowWebhook(db: Database, flowId: string): Promise<FlowWebhook> {
  return db.transaction(async (tx) => {
    // The flow row lock serializes a first `get` racing another one or a regenerate.
    await lockLiveFlow(tx, flowId);
    const [existing] = await tx.select().from(flowWebhooks).where(eq(flowWebhooks.flowId, flowId));
    if (existing) return describeWebhook(existing);
    const token = newWebhookToken();
    const [created] = await tx
      .insert(flowWebhooks)
      .values({ flowId, token, tokenHash: hashWebhookToken(token) })
      .returning();
    return describeWebhook(created!);
  });
}
