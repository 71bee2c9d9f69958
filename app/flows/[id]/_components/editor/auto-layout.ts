import dagre from '@dagrejs/dagre';
import { type EditorNode, isTaskNode, TASK_NODE_SIZE } from './editor-graph';

const RANK_GAP = 90;
const NODE_GAP = 40;

/**
 * Left-to-right layered positions for the task nodes (dagre), sized by what
 * the canvas measured. Sticky notes keep their place: they annotate an area.
 */
export function autoLayoutPositions(
  nodes: readonly EditorNode[],
  edges: readonly { source: string; target: string }[],
): Map<string, { x: number; y: number }> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', ranksep: RANK_GAP, nodesep: NODE_GAP, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const tasks = nodes.filter(isTaskNode);
  for (const node of tasks) {
    graph.setNode(node.id, {
      width: node.measured?.width ?? TASK_NODE_SIZE.width,
      height: node.measured?.height ?? TASK_NODE_SIZE.height,
    });
  }
  const ids = new Set(tasks.map((n) => n.id));
  for (const edge of edges) {
    if (ids.has(edge.source) && ids.has(edge.target)) graph.setEdge(edge.source, edge.target);
  }
  dagre.layout(graph);
  // Keep the graph where it was: align the new layout's top-left with the old one's.
  const oldLeft = Math.min(...tasks.map((n) => n.position.x));
  const oldTop = Math.min(...tasks.map((n) => n.position.y));
  const laidOut = tasks.map((node) => {
    const box = graph.node(node.id);
    return {
      id: node.id,
      x: box.x - box.width / 2,
      y: box.y - box.height / 2,
    };
  });
  const newLeft = Math.min(...laidOut.map((p) => p.x));
  const newTop = Math.min(...laidOut.map((p) => p.y));
  const positions = new Map<string, { x: number; y: number }>();
  for (const p of laidOut) {
    positions.set(p.id, {
      x: Math.round(p.x - newLeft + (Number.isFinite(oldLeft) ? oldLeft : 0)),
      y: Math.round(p.y - newTop + (Number.isFinite(oldTop) ? oldTop : 0)),
    });
  }
  return positions;
}
