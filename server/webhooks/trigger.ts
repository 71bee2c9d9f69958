import { eq } from 'drizzle-orm';
import { flowWebhooks } from '@/db/schema';
import { NotFoundError } from '@/server/errors';
import type { EngineDeps } from '@/server/execution/deps';
import { startFlowRun } from '@/server/execution/start';
import { findFlowByWebhookToken } from './find';

/**
 * Starts a run of the flow a webhook token belongs to, with the body's
 * parameters checked by the same validator as `runs.start`. Throws
 * NotFoundError for an unknown token and InvalidInputError (issues at
 * `params.<name>`) for bad parameters.
 */
export async function startRunFromWebhook(
  deps: EngineDeps,
  token: string,
  params: Record<string, unknown>,
): Promise<{ runId: string; flowId: string }> {
  const flow = await findFlowByWebhookToken(deps.db, token);
  if (!flow) throw new NotFoundError('Webhook', '(this token)');
  const { id } = await startFlowRun(deps, {
    flowId: flow.flowId,
    params,
    trigger: 'webhook',
    // No person behind it: the run page says "started by webhook".
    triggeredBy: 'webhook',
  });
  await deps.db
    .update(flowWebhooks)
    .set({ lastTriggeredAt: new Date() })
    .where(eq(flowWebhooks.flowId, flow.flowId));
  return { runId: id, flowId: flow.flowId };
}
