'use client';

import {
  type Connection,
  Controls,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeTypes,
  ReactFlow,
} from '@xyflow/react';
import { useCallback, useMemo, useRef } from 'react';
import { type BlockEdgeNode, BlockEdges } from '../block-edges';
import { FlowMiniMap } from '../flow-mini-map';
import {
  blockMeasures,
  CanvasDots,
  useOpeningViewport,
  useZoomedOut,
  ZoomedOutContext,
} from '../node-block';
import { useCanvasDom } from './canvas-dom';
import { useCatalog } from './catalog-context';
import { type EditorEdge, type EditorNode, isTaskNode, usedSourceHandles } from './editor-graph';
import {
  type TaskRunView,
  useEditorOverlay,
  useEditorStore,
  useEditorStoreApi,
} from './editor-store';
import { EditorTaskNode } from './editor-task-node';
import { StickyNoteNode } from './sticky-note-node';

// Module-level so React Flow sees the same object on every render.
const nodeTypes = { task: EditorTaskNode, note: StickyNoteNode } satisfies NodeTypes;

/**
 * Past this many nodes only the ones in view are rendered. Culling costs a
 * re-render of the node and edge lists on every pan frame, which at 500
 * nodes is slower than letting the browser skip painting what is off screen
 * (measured by scripts/bench-canvas.ts), so it starts only for huge flows.
 */
const VISIBLE_ONLY_THRESHOLD = 1500;
export const SNAP_GRID: [number, number] = [20, 20];
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];
const FIT_VIEW_OPTIONS = { padding: 0.15, maxZoom: 1.1 };
const MINI_MAP_STYLE = { width: 168, height: 112 };
/** Zoomed out, React Flow gets no edges: they are drawn as one layer (block-edges.tsx). */
const NO_EDGES: EditorEdge[] = [];

const stateColors: Record<string, string> = {
  completed: '#6ee7b7',
  cached: '#5eead4',
  running: '#7dd3fc',
  retrying: '#fcd34d',
  failed: '#fca5a5',
  timedout: '#fdba74',
};

/*
 * While a run is shown every task node's outer element (`.react-flow__node`)
 * carries `data-state` through React Flow's `domAttributes`; the node's own
 * wrapper carries it too. Decorated copies are cached per node object, so a
 * poll re-creates only the nodes whose state changed.
 */
const decorated = new WeakMap<EditorNode, { state: string; node: EditorNode }>();
function withRunState(
  nodes: EditorNode[],
  runView: ReadonlyMap<string, TaskRunView> | null,
): EditorNode[] {
  if (!runView) return nodes;
  return nodes.map((node) => {
    const state = runView.get(node.id)?.state;
    if (!state) return node;
    const cached = decorated.get(node);
    if (cached?.state === state) return cached.node;
    const next = {
      ...node,
      domAttributes: { 'data-state': state } as EditorNode['domAttributes'],
    } as EditorNode;
    decorated.set(node, { state, node: next });
    return next;
  });
}

/*
 * Zoomed out, every task node carries what React Flow would measure on its
 * block (blockMeasures), so measuring re-renders nothing. Copies are cached
 * per node object and outputs, so a drag frame copies only the dragged node.
 */
const measuredCopies = new WeakMap<EditorNode, { outputs: readonly string[]; node: EditorNode }>();
const sameOutputs = (a: readonly string[], b: readonly string[]) =>
  a === b || (a.length === b.length && a.every((output, i) => output === b[i]));
function withBlockMeasures(nodes: EditorNode[], blocks: readonly BlockEdgeNode[]): EditorNode[] {
  const outputsOf = new Map(blocks.map((block) => [block.id, block.outputs]));
  return nodes.map((node) => {
    const outputs = outputsOf.get(node.id);
    if (!outputs) return node;
    const cached = measuredCopies.get(node);
    if (cached && sameOutputs(cached.outputs, outputs)) return cached.node;
    const copy = { ...node, ...blockMeasures(outputs) } as EditorNode;
    measuredCopies.set(node, { outputs, node: copy });
    return copy;
  });
}

const NO_OUTPUTS: readonly string[] = [];

/** Task nodes with their outputs, as EditorTaskNode finds them, for the zoomed-out edge layer. */
function toBlockEdgeNodes(
  nodes: readonly EditorNode[],
  edges: readonly EditorEdge[],
  catalog: ReturnType<typeof useCatalog>,
): BlockEdgeNode[] {
  return nodes.filter(isTaskNode).map((node) => {
    const definition = catalog.get(node.data.node.type);
    return {
      id: node.id,
      position: node.position,
      outputs: definition ? (definition.handles ?? NO_OUTPUTS) : usedSourceHandles(edges, node.id),
    };
  });
}

/**
 * The editable graph: drag, connect, select; edits go through the editor store.
 *
 * Every prop handed to React Flow must keep its identity between renders
 * (module constants or `useCallback`): this component re-renders on each
 * frame of a drag (the `nodes` prop changes), and React Flow copies each prop
 * that changed into its store, one update per prop — and every update of
 * that store re-runs the selectors of every node, edge and handle (on a
 * 500-node flow, most of a drag frame's script time).
 * `tests/browser/editor-drag-updates.test.ts` holds a drag to one store
 * update per position change.
 */
export function EditorCanvas({ snapToGrid }: { snapToGrid: boolean }) {
  const store = useEditorStoreApi();
  const dom = useCanvasDom();
  const nodes = useEditorStore((s) => s.nodes);
  const edges = useEditorStore((s) => s.edges);
  const runView = useEditorOverlay((s) => s.runView);
  const { onNodesChange, onEdgesChange } = store.getState();
  // A big flow opens at a viewport computed from its node positions, not
  // fitted after 500 cards were mounted and measured: its first render
  // already knows it is zoomed out, and mounts blocks (node-block.tsx).
  const frame = useRef<HTMLDivElement | null>(null);
  const opening = useOpeningViewport(frame, () => store.getState().nodes);
  const { zoomedOut, onInit, onMove } = useZoomedOut(opening);
  const catalog = useCatalog();
  const blockNodes = useMemo(
    () => (zoomedOut ? toBlockEdgeNodes(nodes, edges, catalog) : []),
    [zoomedOut, nodes, edges, catalog],
  );
  const shownNodes = useMemo(
    () => withRunState(zoomedOut ? withBlockMeasures(nodes, blockNodes) : nodes, runView),
    [zoomedOut, nodes, blockNodes, runView],
  );

  const refuse = useCallback(
    (source: string, target: string, reason: string) =>
      store.getState().notify('error', `Can't connect ${source} → ${target}: ${reason}`),
    [store],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      const result = store.getState().connect(connection);
      if (!result.ok) refuse(connection.source, connection.target, result.reason);
    },
    [store, refuse],
  );

  // Refused while hovering (the handle turns red), and explained on release.
  const isValidConnection = useCallback<IsValidConnection<EditorEdge>>(
    (edge) =>
      store.getState().canConnect({
        source: edge.source,
        target: edge.target,
        sourceHandle: edge.sourceHandle ?? null,
        targetHandle: null,
      }).ok,
    [store],
  );

  const onNodeDragStart = useCallback(
    (_event: unknown, _node: EditorNode, dragged: EditorNode[]) =>
      store.getState().checkpoint(dragged.map((n) => n.id)),
    [store],
  );
  const onSelectionDragStart = useCallback(
    (_event: unknown, dragged: EditorNode[]) =>
      store.getState().checkpoint(dragged.map((n) => n.id)),
    [store],
  );

  const onConnectEnd = useCallback(
    (_event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid !== false || !state.fromNode || !state.toNode) return;
      const fromSource = state.fromHandle?.type !== 'target';
      const connection: Connection = {
        source: fromSource ? state.fromNode.id : state.toNode.id,
        target: fromSource ? state.toNode.id : state.fromNode.id,
        sourceHandle: (fromSource ? state.fromHandle?.id : state.toHandle?.id) ?? null,
        targetHandle: null,
      };
      const result = store.getState().canConnect(connection);
      if (!result.ok) refuse(connection.source, connection.target, result.reason);
    },
    [store, refuse],
  );

  const miniMapColor = useCallback(
    (node: EditorNode) => {
      if (node.type === 'note') return '#fde68a';
      const state = runView?.get(node.id)?.state;
      return (state && stateColors[state]) ?? '#c7d2fe';
    },
    [runView],
  );

  return (
    <div
      ref={(element) => {
        dom.element = element;
        frame.current = element;
      }}
      className="h-full w-full"
      onPointerMove={(event) => {
        dom.pointer = { x: event.clientX, y: event.clientY };
      }}
      onPointerLeave={() => {
        dom.pointer = null;
      }}
      data-testid="editor-canvas"
    >
      {opening !== undefined && (
        <ZoomedOutContext value={zoomedOut}>
          <ReactFlow<EditorNode, EditorEdge>
            nodes={shownNodes}
            edges={zoomedOut ? NO_EDGES : edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onConnectEnd={onConnectEnd}
            isValidConnection={isValidConnection}
            onNodeDragStart={onNodeDragStart}
            onSelectionDragStart={onSelectionDragStart}
            deleteKeyCode={null}
            selectionKeyCode="Shift"
            multiSelectionKeyCode={MULTI_SELECT_KEYS}
            snapToGrid={snapToGrid}
            snapGrid={SNAP_GRID}
            fitView={!opening}
            fitViewOptions={FIT_VIEW_OPTIONS}
            defaultViewport={opening ?? undefined}
            onInit={onInit}
            onMove={onMove}
            minZoom={0.1}
            maxZoom={2}
            onlyRenderVisibleElements={nodes.length > VISIBLE_ONLY_THRESHOLD}
            colorMode="light"
            aria-label="Flow editor canvas"
          >
            {zoomedOut && <BlockEdges nodes={blockNodes} edges={edges} />}
            <CanvasDots
              zoomedOut={zoomedOut}
              gap={SNAP_GRID[0]}
              size={snapToGrid ? 1.6 : 1.2}
              color={snapToGrid ? '#94a3b8' : '#cbd5e1'}
            />
            <Controls showInteractive={false} position="bottom-left" />
            <FlowMiniMap<EditorNode> nodeColor={miniMapColor} style={MINI_MAP_STYLE} />
          </ReactFlow>
        </ZoomedOutContext>
      )}
    </div>
  );
}
