import { eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { flowVersions } from '@/db/schema';
import type { FlowDocument, FlowNode } from '@/server/engine/document';
import { templateReferences } from '@/server/engine/template';

/**
 * Flow versions are immutable, so their documents can be cached forever.
 * Bounded so a long-lived worker serving thousands of flows stays small.
 */
const cache = new Map<string, { doc: FlowDocument; nodes: Map<string, FlowNode> }>();
const MAX_CACHED = 500;

export async function loadVersionDocument(db: DbOrTx, flowVersionId: string) {
  const hit = cache.get(flowVersionId);
  if (hit) return hit;
  const [row] = await db
    .select({ document: flowVersions.document })
    .from(flowVersions)
    .where(eq(flowVersions.id, flowVersionId));
  if (!row) throw new Error(`flow version ${flowVersionId} is missing`);
  const entry = { doc: row.document, nodes: new Map(row.document.nodes.map((n) => [n.id, n])) };
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(flowVersionId, entry);
  return entry;
}

/** `each[3]` → { parent: 'each', index: 3 }: the node id of a for-each item. */
export function parseItemNodeId(nodeId: string): { parent: string; index: number } | null {
  const m = /^(.+)\[(\d+)\]$/.exec(nodeId);
  return m ? { parent: m[1]!, index: Number(m[2]) } : null;
}

export function itemNodeId(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/**
 * The node a task run executes: its document node, or for a for-each item
 * a node made from the for-each's `task` that inherits the for-each's
 * retry, cache, timeout, tag and pool.
 */
export function nodeForTask(
  nodes: ReadonlyMap<string, FlowNode>,
  nodeId: string,
): { node: FlowNode; graphNodeId: string; forEach?: FlowNode } | null {
  const own = nodes.get(nodeId);
  if (own) return { node: own, graphNodeId: own.id };
  const item = parseItemNodeId(nodeId);
  const parent = item ? nodes.get(item.parent) : undefined;
  if (!item || parent?.type !== 'for-each') return null;
  const inner = (parent.config as { task?: { type?: string; config?: Record<string, unknown> } })
    .task;
  if (!inner?.type) return null;
  return {
    node: {
      ...parent,
      id: nodeId,
      type: inner.type,
      name: `${parent.name ?? parent.id} #${item.index}`,
      config: inner.config ?? {},
    },
    graphNodeId: parent.id,
    forEach: parent,
  };
}

/**
 * The nodes whose outputs a task reads: its graph node's direct upstream
 * (its `inputs`) and the nodes its config names in `{{ nodes.X… }}`
 * templates. Not every ancestor: at the end of a long chain that would read
 * every earlier output, for every task. Null when the task is unknown.
 */
export function inputNodesOf(
  doc: FlowDocument,
  nodes: ReadonlyMap<string, FlowNode>,
  nodeId: string,
): string[] | null {
  const resolved = nodeForTask(nodes, nodeId);
  if (!resolved) return null;
  const wanted = new Set<string>();
  for (const edge of doc.edges) if (edge.target === resolved.graphNodeId) wanted.add(edge.source);
  for (const ref of templateReferences(resolved.node.config ?? {})) {
    const id = ref.path[0];
    if (ref.root === 'nodes' && typeof id === 'string') wanted.add(id);
  }
  return [...wanted];
}
