import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { flows, flowVersions } from '@/db/schema';
import type { FlowDocument } from '@/server/engine/document';
import { ConflictError, NotFoundError } from '@/server/errors';

/** Row-level helpers shared by the flow verbs. */

export async function lockLiveFlow(tx: DbOrTx, id: string) {
  const [flow] = await tx
    .select()
    .from(flows)
    .where(and(eq(flows.id, id), isNull(flows.deletedAt)))
    .for('update');
  if (!flow) throw new NotFoundError('Flow', id);
  return flow;
}

export async function ensureNameFree(tx: DbOrTx, name: string, exceptId?: string) {
  const [taken] = await tx
    .select({ id: flows.id })
    .from(flows)
    .where(and(sql`lower(${flows.name}) = lower(${name})`, isNull(flows.deletedAt)));
  if (taken && taken.id !== exceptId) {
    throw new ConflictError(`A flow named "${name}" already exists; choose another name`);
  }
}

/** "Backup" → "Backup (copy)", "Backup (copy 2)", … whichever is free. */
export async function freeName(tx: DbOrTx, base: string, suffix: string): Promise<string> {
  const rows = await tx
    .select({ name: flows.name })
    .from(flows)
    .where(and(sql`lower(${flows.name}) like lower(${`${base}%`})`, isNull(flows.deletedAt)));
  const taken = new Set(rows.map((r) => r.name.toLowerCase()));
  if (!taken.has(base.toLowerCase())) return base;
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? `${base} (${suffix})` : `${base} (${suffix} ${i})`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}

export async function insertFlowWithFirstVersion(
  tx: DbOrTx,
  document: FlowDocument,
  message: string,
) {
  const [flow] = await tx
    .insert(flows)
    .values({ name: document.name, description: document.description ?? '', latestVersion: 1 })
    .returning();
  const [version] = await tx
    .insert(flowVersions)
    .values({ flowId: flow!.id, version: 1, document, message })
    .returning();
  return { flow: flow!, version: version! };
}

export async function appendVersion(
  tx: DbOrTx,
  flowId: string,
  nextVersion: number,
  document: FlowDocument,
  message: string,
) {
  const [version] = await tx
    .insert(flowVersions)
    .values({ flowId, version: nextVersion, document, message })
    .returning();
  const [flow] = await tx
    .update(flows)
    .set({
      name: document.name,
      description: document.description ?? '',
      latestVersion: nextVersion,
      updatedAt: new Date(),
    })
    .where(eq(flows.id, flowId))
    .returning();
  return { flow: flow!, version: version! };
}

export async function loadVersion(tx: DbOrTx, flowId: string, version: number) {
  const [row] = await tx
    .select()
    .from(flowVersions)
    .where(and(eq(flowVersions.flowId, flowId), eq(flowVersions.version, version)));
  if (!row) throw new NotFoundError('Version', `${version} of flow ${flowId}`);
  return row;
}
