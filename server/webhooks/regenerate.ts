import type { Database } from '@/db/client';
import { flowWebhooks } from '@/db/schema';
import { lockLiveFlow } from '@/server/flows/store';
import { describeWebhook, type FlowWebhook } from './get';
import { hashWebhookToken, newWebhookToken } from './token';

/** A new token for the flow's webhook; the old one stops working when this commits. */
export async function regenerateFlowWebhook(db: Database, flowId: string): Promise<FlowWebhook> {
  return db.transaction(async (tx) => {
    await lockLiveFlow(tx, flowId);
    const token = newWebhookToken();
    const values = { token, tokenHash: hashWebhookToken(token), createdAt: new Date() };
    const [row] = await tx
      .insert(flowWebhooks)
      .values({ flowId, ...values })
      .onConflictDoUpdate({
        target: flowWebhooks.flowId,
        set: { ...values, lastTriggeredAt: null },
      })
      .returning();
    return describeWebhook(row!);
  });
}
