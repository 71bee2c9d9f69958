'use client';

import {
  Controls,
  type Edge,
  type Node,
  type NodeProps,
  type NodeTypes,
  ReactFlow,
  type ReactFlowInstance,
  type Viewport,
} from '@xyflow/react';
import { memo, useCallback, useContext, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { elapsedMs, formatDuration } from '@/app/_lib/format-duration';
import type { RunDetail } from '@/app/_lib/use-run-state';
import { type BlockEdgeNode, BlockEdges } from '@/app/flows/[id]/_components/block-edges';
import {
  blockEdgeNodes,
  type TaskNodeData,
  toCanvasGraph,
} from '@/app/flows/[id]/_components/canvas-graph';
import { runStateStyles } from '@/app/flows/[id]/_components/editor/run-state-style';
import {
  BIG_GRAPH,
  blockColours,
  blockMeasures,
  CanvasDots,
  NodeBlock,
  useOpeningViewport,
  useZoomedOut,
  ZoomedOutContext,
} from '@/app/flows/[id]/_components/node-block';
import { TaskNodeCard } from '@/app/flows/[id]/_components/task-node';
import { builtinCatalog } from '@/server/tasks/catalog';
import { CachedFromLink } from './cached-from-link';
import { TaskStateContext, TaskStateStore, useTaskSummary } from './task-state-store';

/** A node's static part; its live state comes from the TaskStateStore. */
type RunTaskNodeData = TaskNodeData;
type RunCanvasNode = Node<RunTaskNodeData, 'runTask'>;

/** A task of the run: the editor's card, ringed by its state, with attempt, duration and cache badges. */
const RunTaskNode = memo(function RunTaskNode({ data, selected }: NodeProps<RunCanvasNode>) {
  const zoomedOut = useContext(ZoomedOutContext);
  const task = useTaskSummary(data.nodeId);
  const state = task?.state;
  const style = state ? runStateStyles[state] : undefined;
  const ref = useRef<HTMLDivElement>(null);
  // The `data-state` hook sits on React Flow's own node element; set here
  // (not through the node object) so a state change never goes through
  // React Flow's store.
  useLayoutEffect(() => {
    const wrapper = ref.current?.closest('.react-flow__node');
    if (!wrapper) return;
    if (state) wrapper.setAttribute('data-state', state);
    else wrapper.removeAttribute('data-state');
  }, [state]);
  if (zoomedOut)
    return (
      <div ref={ref} data-state={state} className="cursor-pointer">
        <NodeBlock
          title={`${data.name ?? data.nodeId}: ${state ?? 'not started'}`}
          colours={state && blockColours[state]}
          outputs={data.outputs}
          selected={selected}
        />
      </div>
    );
  const attempt = task?.attempt ?? 0;
  const durationMs = task ? elapsedMs(task.startedAt, task.endedAt) : null;
  const items = task?.items ?? null;
  return (
    <div ref={ref} data-state={state} className="cursor-pointer">
      <TaskNodeCard
        nodeId={data.nodeId}
        name={data.name}
        type={data.type}
        typeTitle={data.typeTitle}
        typeGlyph={data.typeGlyph}
        outputs={data.outputs}
        policies={data.policies}
        selected={selected}
        tone={style?.tone}
        badge={
          <div
            className="absolute -top-2.5 right-2 z-10 flex items-center gap-1"
            title={task?.stateReason ?? style?.label}
            data-testid="node-run-state"
          >
            {task?.cachedFromTaskRunId && (
              <span className="nodrag nopan">
                <CachedFromLink taskRunId={task.cachedFromTaskRunId} compact />
              </span>
            )}
            {style && (
              <span
                className={`flex items-center gap-1 rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ring-inset ${style.pill}`}
              >
                {style.label}
                {attempt > 1 && (
                  <span className="tabular-nums opacity-75" data-testid="node-attempt">
                    · try {attempt}
                  </span>
                )}
              </span>
            )}
          </div>
        }
      />
      {(durationMs !== null || items) && (
        <div className="mt-1 flex gap-2 px-1 text-[11px] text-slate-500 tabular-nums">
          {durationMs !== null && (
            <span data-testid="node-duration">{formatDuration(durationMs)}</span>
          )}
          {items && (
            <span data-testid="node-items">
              {items.byState.completed ?? 0}/{items.total} items
            </span>
          )}
        </div>
      )}
    </div>
  );
});

const nodeTypes = { runTask: RunTaskNode } satisfies NodeTypes;

type BaseNode = ReturnType<typeof toCanvasGraph>['nodes'][number];
/**
 * The exact flow version that ran, read-only, each task coloured by its
 * state. Clicking a task selects it (the page opens its panel).
 */
export function RunCanvas({
  run,
  selectedNodeId,
  onSelect,
}: {
  run: RunDetail;
  selectedNodeId: string | null;
  onSelect(nodeId: string | null): void;
}) {
  const graph = useMemo(() => toCanvasGraph(run.document, builtinCatalog), [run.document]);
  // Task states go to the nodes through their own store, not through
  // React Flow: the node objects below change only with the selection.
  const [store] = useState(() => {
    const initial = new TaskStateStore();
    initial.update(run.tasks);
    return initial;
  });
  useLayoutEffect(() => store.update(run.tasks), [store, run.tasks]);
  // A big graph opens at a viewport computed from the node positions (no
  // wait for 1,000 nodes to be measured before fitting), and already knows
  // whether it is zoomed out, so its first render draws blocks, not cards.
  const frame = useRef<HTMLDivElement>(null);
  const opening = useOpeningViewport(frame, () => graph.nodes);
  const { zoomedOut: blocks, onInit, onMove } = useZoomedOut(opening);
  const blockNodes = useMemo(() => blockEdgeNodes(graph.nodes), [graph]);
  // Zoomed out, each node carries what React Flow would measure on its
  // block (blockMeasures), so measuring 1,000 blocks re-renders nothing.
  const built = useRef(new Map<BaseNode, RunCanvasNode>());
  const nodes = useMemo(() => {
    const previous = built.current;
    const next = new Map<BaseNode, RunCanvasNode>();
    const list = graph.nodes.map((base): RunCanvasNode => {
      const selected = base.id === selectedNodeId;
      const old = previous.get(base);
      const node =
        old && old.selected === selected && 'measured' in old === blocks
          ? old
          : {
              ...base,
              type: 'runTask' as const,
              selected,
              ...(blocks ? blockMeasures(base.data.outputs) : {}),
            };
      next.set(base, node);
      return node;
    });
    built.current = next;
    return list;
  }, [graph, selectedNodeId, blocks]);
  if (opening === undefined) return <div ref={frame} className="h-full w-full" />;
  return (
    <TaskStateContext value={store}>
      <ZoomedOutContext value={blocks}>
        <RunFlow
          nodes={nodes}
          edges={graph.edges}
          blockNodes={blockNodes}
          initialViewport={opening ?? undefined}
          blocks={blocks}
          onInit={onInit}
          onMove={onMove}
          onSelect={onSelect}
        />
      </ZoomedOutContext>
    </TaskStateContext>
  );
}

const fitViewOptions = { padding: 0.25, maxZoom: 1.1 };
/** Edges here are only drawn, never clicked: no invisible wide path beside each one. */
const defaultEdgeOptions = { interactionWidth: 0 };
/** Zoomed out, React Flow gets no edges: they are drawn as one layer (block-edges.tsx). */
const NO_EDGES: Edge[] = [];

/**
 * React Flow itself, memoized with stable props: a task update re-renders
 * RunCanvas (to feed the task store) but not this, since any prop React
 * Flow sees change is a store update that re-runs every node's, handle's
 * and edge's selectors.
 */
const RunFlow = memo(function RunFlow({
  nodes,
  edges,
  blockNodes,
  initialViewport,
  blocks,
  onInit,
  onMove,
  onSelect,
}: {
  nodes: RunCanvasNode[];
  edges: Edge[];
  blockNodes: readonly BlockEdgeNode[];
  initialViewport: Viewport | undefined;
  blocks: boolean;
  onInit(flow: ReactFlowInstance<RunCanvasNode>): void;
  onMove(event: unknown, viewport: Viewport): void;
  onSelect(nodeId: string | null): void;
}) {
  const onNodeClick = useCallback(
    (_: unknown, node: RunCanvasNode) => onSelect(node.id),
    [onSelect],
  );
  const onPaneClick = useCallback(() => onSelect(null), [onSelect]);
  return (
    <ReactFlow<RunCanvasNode>
      nodes={nodes}
      edges={blocks ? NO_EDGES : edges}
      nodeTypes={nodeTypes}
      nodesDraggable={false}
      nodesConnectable={false}
      edgesFocusable={false}
      defaultEdgeOptions={defaultEdgeOptions}
      elementsSelectable
      onNodeClick={onNodeClick}
      onPaneClick={onPaneClick}
      fitView={!initialViewport}
      fitViewOptions={fitViewOptions}
      defaultViewport={initialViewport}
      minZoom={0.05}
      onlyRenderVisibleElements={nodes.length > BIG_GRAPH}
      onInit={onInit}
      onMove={onMove}
      colorMode="light"
      aria-label="The run's flow graph"
    >
      {blocks && <BlockEdges nodes={blockNodes} edges={edges} />}
      <CanvasDots zoomedOut={blocks} />
      <Controls showInteractive={false} position="bottom-left" />
    </ReactFlow>
  );
});
