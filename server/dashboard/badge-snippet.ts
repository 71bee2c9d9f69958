import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flows } from '@/db/schema';
import { NotFoundError } from '@/server/errors';

/**
 * What a README needs to show a flow's status badge: the image URL, the
 * flow's page, and the Markdown joining them. Addresses start at
 * PIPEWRIGHT_PUBLIC_URL when set (what people outside reach), else at the
 * address the browser used.
 */
export async function badgeSnippet(
  db: Database,
  input: { flowId: string; origin: string; publicUrl?: string },
) {
  const [flow] = await db
    .select({ id: flows.id, name: flows.name })
    .from(flows)
    .where(and(eq(flows.id, input.flowId), isNull(flows.deletedAt)));
  if (!flow) throw new NotFoundError('Flow', input.flowId);
  const base = (input.publicUrl ?? new URL(input.origin).origin).replace(/\/+$/, '');
  const imageUrl = `${base}/api/flows/${flow.id}/badge.svg`;
  const flowUrl = `${base}/flows/${flow.id}`;
  return {
    flowName: flow.name,
    imageUrl,
    flowUrl,
    markdown: `[![pipewright](${imageUrl})](${flowUrl})`,
  };
}
