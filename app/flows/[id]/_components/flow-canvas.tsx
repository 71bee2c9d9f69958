'use client';

import { Controls, type Edge, type NodeTypes, ReactFlow } from '@xyflow/react';
import { useMemo, useRef } from 'react';
import type { FlowDocument } from '@/server/engine/document';
import { builtinCatalog } from '@/server/tasks/catalog';
import { BlockEdges } from './block-edges';
import { blockEdgeNodes, type TaskCanvasNode, toCanvasGraph } from './canvas-graph';
import { FlowMiniMap } from './flow-mini-map';
import {
  BIG_GRAPH,
  blockMeasures,
  CanvasDots,
  opensZoomedOut,
  useOpeningViewport,
  useZoomedOut,
  ZoomedOutContext,
} from './node-block';
import { TaskNode } from './task-node';

// Module-level so React Flow sees the same object on every render.
const nodeTypes = { task: TaskNode } satisfies NodeTypes;

function miniMapColor(node: TaskCanvasNode) {
  return node.data.typeTitle === undefined ? '#fcd34d' : '#c7d2fe';
}

const fitViewOptions = { padding: 0.25, maxZoom: 1.1 };
/** Zoomed out, React Flow gets no edges: they are drawn as one layer (block-edges.tsx). */
const NO_EDGES: Edge[] = [];

/**
 * A saved flow graph, read-only: pan, zoom and look; nothing moves or
 * connects. A big one opens fitted from its positions, its tasks drawn as
 * blocks until zoomed in far enough to read (node-block.tsx), as in the
 * editor and on the run page.
 */
export function FlowCanvas({ document }: { document: FlowDocument }) {
  const graph = useMemo(() => toCanvasGraph(document, builtinCatalog), [document]);
  const frame = useRef<HTMLDivElement>(null);
  const opening = useOpeningViewport(frame, () => graph.nodes);
  const { zoomedOut, onInit, onMove } = useZoomedOut(opening);
  const blockNodes = useMemo(() => blockEdgeNodes(graph.nodes), [graph]);
  // Opening zoomed out, each node carries what React Flow would measure on
  // its block (blockMeasures), so measuring the blocks re-renders nothing.
  // (The nodes are React Flow's own after mount: it measures cards itself.)
  const initialNodes = useMemo(
    () =>
      opensZoomedOut(opening)
        ? graph.nodes.map((node) => ({ ...node, ...blockMeasures(node.data.outputs) }))
        : graph.nodes,
    [graph, opening],
  );
  if (opening === undefined) return <div ref={frame} className="h-full w-full" />;
  return (
    <ZoomedOutContext value={zoomedOut}>
      <ReactFlow<TaskCanvasNode>
        defaultNodes={initialNodes}
        edges={zoomedOut ? NO_EDGES : graph.edges}
        nodeTypes={nodeTypes}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        edgesFocusable={false}
        fitView={!opening}
        fitViewOptions={fitViewOptions}
        defaultViewport={opening ?? undefined}
        onInit={onInit}
        onMove={onMove}
        minZoom={0.05}
        onlyRenderVisibleElements={graph.nodes.length > BIG_GRAPH}
        colorMode="light"
        aria-label="Flow graph (read-only)"
      >
        {zoomedOut && <BlockEdges nodes={blockNodes} edges={graph.edges} />}
        <CanvasDots zoomedOut={zoomedOut} />
        <Controls showInteractive={false} position="bottom-left" />
        <FlowMiniMap<TaskCanvasNode> nodeColor={miniMapColor} />
      </ReactFlow>
    </ZoomedOutContext>
  );
}
