import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { flows, flowWebhooks } from '@/db/schema';
import { hashWebhookToken, isWellFormedWebhookToken, sameWebhookToken } from './token';

/** The live flow a webhook token belongs to, or null (unknown token, deleted flow). */
export async function findFlowByWebhookToken(
  db: DbOrTx,
  token: string,
): Promise<{ flowId: string; flowName: string } | null> {
  if (!isWellFormedWebhookToken(token)) return null;
  const [row] = await db
    .select({ flowId: flows.id, flowName: flows.name, token: flowWebhooks.token })
    .from(flowWebhooks)
    .innerJoin(flows, eq(flows.id, flowWebhooks.flowId))
    .where(and(eq(flowWebhooks.tokenHash, hashWebhookToken(token)), isNull(flows.deletedAt)));
  if (!row || !sameWebhookToken(row.token, token)) return null;
  return { flowId: row.flowId, flowName: row.flowName };
}
