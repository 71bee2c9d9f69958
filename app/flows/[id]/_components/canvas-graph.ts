import { type Edge, MarkerType, type Node } from '@xyflow/react';
import type { FlowDocument, FlowNode } from '@/server/engine/document';
import type { TaskDefinition } from '@/server/tasks/define';
import type { BlockEdgeNode } from './block-edges';

/** What a task node on the canvas shows; derived from the document and the catalog. */
export type TaskNodeData = {
  nodeId: string;
  name: string | undefined;
  type: string;
  /** The catalog's title and glyph; undefined when this server does not know the type. */
  typeTitle: string | undefined;
  typeGlyph: string | undefined;
  /** Named output handles (branch: true/false); empty for the single default output. */
  outputs: readonly string[];
  /** Short notes on the node's policies: "3 retries", "cached 1 h", "timeout 30 s". */
  policies: string[];
};

export type TaskCanvasNode = Node<TaskNodeData, 'task'>;

export interface TaskTypeInfo {
  get(type: string): Pick<TaskDefinition, 'title' | 'icon' | 'handles'> | undefined;
}

/** Layer spacing of the fallback layout, sized for a 240 px wide node. */
const COLUMN_GAP = 320;
const ROW_GAP = 140;

/**
 * Positions for a graph drawn without saved positions: each node in the
 * column after its furthest upstream node (longest-path layering), rows
 * centred around y = 0, document order within a column. Nodes on a cycle
 * (never saved, but be safe) go to column 0.
 */
export function layeredPositions(
  nodeIds: readonly string[],
  edges: readonly { source: string; target: string }[],
): Map<string, { x: number; y: number }> {
  const known = new Set(nodeIds);
  const outgoing = new Map<string, string[]>();
  const indegree = new Map<string, number>(nodeIds.map((id) => [id, 0]));
  for (const edge of edges) {
    if (!known.has(edge.source) || !known.has(edge.target)) continue;
    outgoing.set(edge.source, [...(outgoing.get(edge.source) ?? []), edge.target]);
    indegree.set(edge.target, (indegree.get(edge.target) ?? 0) + 1);
  }
  const column = new Map<string, number>(nodeIds.map((id) => [id, 0]));
  const ready = nodeIds.filter((id) => indegree.get(id) === 0);
  while (ready.length > 0) {
    const id = ready.shift()!;
    for (const target of outgoing.get(id) ?? []) {
      column.set(target, Math.max(column.get(target) ?? 0, (column.get(id) ?? 0) + 1));
      const left = (indegree.get(target) ?? 1) - 1;
      indegree.set(target, left);
      if (left === 0) ready.push(target);
    }
  }
  const columns = new Map<number, string[]>();
  for (const id of nodeIds) {
    const c = column.get(id) ?? 0;
    columns.set(c, [...(columns.get(c) ?? []), id]);
  }
  const positions = new Map<string, { x: number; y: number }>();
  for (const [c, ids] of columns) {
    ids.forEach((id, row) => {
      positions.set(id, { x: c * COLUMN_GAP, y: (row - (ids.length - 1) / 2) * ROW_GAP });
    });
  }
  return positions;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.round((seconds / 3600) * 10) / 10} h`;
  return `${Math.round((seconds / 86_400) * 10) / 10} d`;
}

/** Short notes on a node's policies: "3 retries", "cached 1 h", "timeout 30 s". */
export function nodePolicies(node: FlowNode): string[] {
  const policies: string[] = [];
  const retries = node.retry?.retries ?? 0;
  if (retries > 0) policies.push(`${retries} ${retries === 1 ? 'retry' : 'retries'}`);
  if (node.cache?.enabled) {
    policies.push(
      node.cache.ttlSeconds ? `cached ${formatSeconds(node.cache.ttlSeconds)}` : 'cached',
    );
  }
  if (node.timeoutSeconds) policies.push(`timeout ${formatSeconds(node.timeoutSeconds)}`);
  if (node.concurrencyTag) policies.push(`tag ${node.concurrencyTag}`);
  return policies;
}

/**
 * The document as React Flow nodes and edges. Saved positions are used as
 * they are; nodes without one are laid out in layers (below the positioned
 * ones, if some have positions, so nothing overlaps).
 */
export function toCanvasGraph(
  document: FlowDocument,
  types: TaskTypeInfo,
): { nodes: TaskCanvasNode[]; edges: Edge[] } {
  const unplaced = document.nodes.filter((n) => !n.position);
  const layered = layeredPositions(
    unplaced.map((n) => n.id),
    document.edges,
  );
  const placedBottom = Math.max(
    ...document.nodes.flatMap((n) => (n.position ? [n.position.y] : [])),
  );
  const layeredTop = Math.min(...[...layered.values()].map((p) => p.y));
  const shiftY = Number.isFinite(placedBottom) ? placedBottom + ROW_GAP * 1.5 - layeredTop : 0;

  // Handles used by edges, so an unknown (e.g. plugin) type still shows its wiring.
  const usedHandles = new Map<string, Set<string>>();
  for (const edge of document.edges) {
    if (edge.sourceHandle === undefined) continue;
    usedHandles.set(
      edge.source,
      (usedHandles.get(edge.source) ?? new Set()).add(edge.sourceHandle),
    );
  }

  const nodes = document.nodes.map((node): TaskCanvasNode => {
    const definition = types.get(node.type);
    const fallback = layered.get(node.id) ?? { x: 0, y: 0 };
    return {
      id: node.id,
      type: 'task',
      position: node.position ?? { x: fallback.x, y: fallback.y + shiftY },
      data: {
        nodeId: node.id,
        name: node.name,
        type: node.type,
        typeTitle: definition?.title,
        typeGlyph: definition?.icon,
        outputs: definition ? (definition.handles ?? []) : [...(usedHandles.get(node.id) ?? [])],
        policies: nodePolicies(node),
      },
    };
  });

  const edges = document.edges.map(
    (edge, index): Edge => ({
      id: edge.id ?? `e${index}:${edge.source}:${edge.sourceHandle ?? ''}:${edge.target}`,
      source: edge.source,
      target: edge.target,
      ...(edge.sourceHandle !== undefined ? { sourceHandle: edge.sourceHandle } : {}),
      type: 'smoothstep',
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: '#94a3b8' },
    }),
  );

  return { nodes, edges };
}

/** The read-only canvases' task nodes as the zoomed-out edge layer needs them. */
export function blockEdgeNodes(nodes: readonly TaskCanvasNode[]): BlockEdgeNode[] {
  return nodes.map((node) => ({
    id: node.id,
    position: node.position,
    outputs: node.data.outputs,
  }));
}
