'use client';

import { Background, BackgroundVariant, Controls, type NodeTypes, ReactFlow } from '@xyflow/react';
import { useMemo } from 'react';
import type { FlowDocument } from '@/server/engine/document';
import { builtinCatalog } from '@/server/tasks/catalog';
import { type TaskCanvasNode, toCanvasGraph } from './canvas-graph';
import { FlowMiniMap } from './flow-mini-map';
import { TaskNode } from './task-node';

// Module-level so React Flow sees the same object on every render.
const nodeTypes = { task: TaskNode } satisfies NodeTypes;

/** Past this many nodes only the ones in view are rendered. */
const VISIBLE_ONLY_THRESHOLD = 300;

function miniMapColor(node: TaskCanvasNode) {
  return node.data.typeTitle === undefined ? '#fcd34d' : '#c7d2fe';
}

/** A saved flow graph, read-only: pan, zoom and look; nothing moves or connects. */
export function FlowCanvas({ document }: { document: FlowDocument }) {
  const graph = useMemo(() => toCanvasGraph(document, builtinCatalog), [document]);
  return (
    <ReactFlow<TaskCanvasNode>
      defaultNodes={graph.nodes}
      defaultEdges={graph.edges}
      nodeTypes={nodeTypes}
      nodesDraggable={false}
      nodesConnectable={false}
      elementsSelectable={false}
      edgesFocusable={false}
      fitView
      fitViewOptions={{ padding: 0.25, maxZoom: 1.1 }}
      minZoom={0.1}
      onlyRenderVisibleElements={graph.nodes.length > VISIBLE_ONLY_THRESHOLD}
      colorMode="light"
      aria-label="Flow graph (read-only)"
    >
      <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#cbd5e1" />
      <Controls showInteractive={false} position="bottom-left" />
      <FlowMiniMap<TaskCanvasNode> nodeColor={miniMapColor} />
    </ReactFlow>
  );
}
