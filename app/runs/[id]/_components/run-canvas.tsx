'use client';

import {
  Background,
  BackgroundVariant,
  Controls,
  type Node,
  type NodeProps,
  type NodeTypes,
  ReactFlow,
} from '@xyflow/react';
import { type HTMLAttributes, memo, useMemo, useRef, useState } from 'react';
import { elapsedMs, formatDuration } from '@/app/_lib/format-duration';
import type { RunDetail } from '@/app/_lib/use-run-state';
import { type TaskNodeData, toCanvasGraph } from '@/app/flows/[id]/_components/canvas-graph';
import { runStateStyles } from '@/app/flows/[id]/_components/editor/run-state-style';
import { TaskNodeCard } from '@/app/flows/[id]/_components/task-node';
import type { TaskRunState } from '@/server/engine/states';
import { builtinCatalog } from '@/server/tasks/catalog';
import { CachedFromLink } from './cached-from-link';

type RunTaskNodeData = TaskNodeData & {
  state: TaskRunState | undefined;
  reason: string | null;
  attempt: number;
  durationMs: number | null;
  cachedFromTaskRunId: string | null;
  items: { total: number; byState: Partial<Record<string, number>> } | null;
};
type RunCanvasNode = Node<RunTaskNodeData, 'runTask'>;

/** A task of the run: the editor's card, ringed by its state, with attempt, duration and cache badges. */
const RunTaskNode = memo(function RunTaskNode({ data, selected }: NodeProps<RunCanvasNode>) {
  const style = data.state ? runStateStyles[data.state] : undefined;
  return (
    <div data-state={data.state} className="cursor-pointer">
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
            title={data.reason ?? style?.label}
            data-testid="node-run-state"
          >
            {data.cachedFromTaskRunId && (
              <span className="nodrag nopan">
                <CachedFromLink taskRunId={data.cachedFromTaskRunId} compact />
              </span>
            )}
            {style && (
              <span
                className={`flex items-center gap-1 rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ring-inset ${style.pill}`}
              >
                {style.label}
                {data.attempt > 1 && (
                  <span className="tabular-nums opacity-75" data-testid="node-attempt">
                    · try {data.attempt}
                  </span>
                )}
              </span>
            )}
          </div>
        }
      />
      {(data.durationMs !== null || data.items) && (
        <div className="mt-1 flex gap-2 px-1 text-[11px] text-slate-500 tabular-nums">
          {data.durationMs !== null && (
            <span data-testid="node-duration">{formatDuration(data.durationMs)}</span>
          )}
          {data.items && (
            <span data-testid="node-items">
              {data.items.byState.completed ?? 0}/{data.items.total} items
            </span>
          )}
        </div>
      )}
    </div>
  );
});

const nodeTypes = { runTask: RunTaskNode } satisfies NodeTypes;

/** Below this zoom text is unreadable: nodes are drawn as plain blocks coloured by state (globals.css). */
const DETAIL_ZOOM = 0.45;

type TaskSummary = RunDetail['tasks'][number];
type BaseNode = ReturnType<typeof toCanvasGraph>['nodes'][number];
interface BuiltNode {
  base: BaseNode;
  task: TaskSummary | undefined;
  selected: boolean;
  node: RunCanvasNode;
}

function runNode(base: BaseNode, task: TaskSummary | undefined, selected: boolean): RunCanvasNode {
  const state = task?.state;
  return {
    ...base,
    type: 'runTask',
    selected,
    domAttributes: { 'data-state': state } as HTMLAttributes<HTMLDivElement>,
    data: {
      ...base.data,
      state,
      reason: task?.stateReason ?? null,
      attempt: task?.attempt ?? 0,
      durationMs: task ? elapsedMs(task.startedAt, task.endedAt) : null,
      cachedFromTaskRunId: task?.cachedFromTaskRunId ?? null,
      items: task?.items ?? null,
    },
  };
}

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
  // Node objects are kept from one update to the next unless their task (or
  // selection) changed: the summary shares unchanged task objects, React
  // Flow reuses the internals of an identical node, and the memoized node
  // component re-renders only for the few tasks that moved.
  const built = useRef(new Map<string, BuiltNode>());
  const nodes = useMemo(() => {
    const tasks = new Map(run.tasks.map((t) => [t.nodeId, t]));
    const previous = built.current;
    const next = new Map<string, BuiltNode>();
    const list = graph.nodes.map((base): RunCanvasNode => {
      const task = tasks.get(base.id);
      const selected = base.id === selectedNodeId;
      const old = previous.get(base.id);
      const entry =
        old && old.base === base && old.task === task && old.selected === selected
          ? old
          : { base, task, selected, node: runNode(base, task, selected) };
      next.set(base.id, entry);
      return entry.node;
    });
    built.current = next;
    return list;
  }, [graph, run.tasks, selectedNodeId]);
  // A boolean, so zooming re-renders only when it crosses the threshold.
  const [zoomedOut, setZoomedOut] = useState(false);
  return (
    <ReactFlow<RunCanvasNode>
      nodes={nodes}
      edges={graph.edges}
      nodeTypes={nodeTypes}
      nodesDraggable={false}
      nodesConnectable={false}
      edgesFocusable={false}
      elementsSelectable
      onNodeClick={(_, node) => onSelect(node.id)}
      onPaneClick={() => onSelect(null)}
      fitView
      fitViewOptions={{ padding: 0.25, maxZoom: 1.1 }}
      minZoom={0.1}
      onlyRenderVisibleElements={nodes.length > 300}
      onInit={(flow) => setZoomedOut(flow.getZoom() < DETAIL_ZOOM)}
      onMove={(_, viewport) => {
        const out = viewport.zoom < DETAIL_ZOOM;
        if (out !== zoomedOut) setZoomedOut(out);
      }}
      className={zoomedOut ? 'pw-zoomed-out' : undefined}
      colorMode="light"
      aria-label="The run's flow graph"
    >
      <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#cbd5e1" />
      <Controls showInteractive={false} position="bottom-left" />
    </ReactFlow>
  );
}
