'use client';

import type { NodeProps } from '@xyflow/react';
import { memo, useContext, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Spinner } from '@/app/_components/button';
import {
  BanIcon,
  CheckIcon,
  ClockIcon,
  RotateIcon,
  SkipIcon,
  XIcon,
  ZapIcon,
} from '@/app/_components/icons';
import { cn } from '@/app/_lib/cn';
import type { DocumentIssue, FlowNode } from '@/server/engine/document';
import type { TaskRunState } from '@/server/engine/states';
import { nodePolicies } from '../canvas-graph';
import {
  blockColours,
  INVALID_BLOCK,
  NodeBlock,
  UNKNOWN_TYPE_BLOCK,
  ZoomedOutContext,
} from '../node-block';
import { TaskNodeCard } from '../task-node';
import { useCatalog } from './catalog-context';
import { type TaskCanvasNode, usedSourceHandles } from './editor-graph';
import { type TaskRunView, useEditorOverlay, useEditorStore } from './editor-store';
import { runStateStyles } from './run-state-style';
import { sameNodePropsButPosition } from './same-node-props';

const NO_HANDLES: readonly string[] = [];

function StateIcon({ state }: { state: TaskRunState }) {
  const className = 'size-3';
  switch (state) {
    case 'running':
      return <Spinner className="size-2.5" />;
    case 'retrying':
      return <RotateIcon className={className} />;
    case 'completed':
      return <CheckIcon className={className} />;
    case 'cached':
      return <ZapIcon className={className} />;
    case 'failed':
    case 'timedout':
      return <XIcon className={className} />;
    case 'skipped':
      return <SkipIcon className={className} />;
    case 'cancelled':
      return <BanIcon className={className} />;
    default:
      return <ClockIcon className={className} />;
  }
}

function RunBadge({ run }: { run: TaskRunView }) {
  const style = runStateStyles[run.state];
  return (
    <div
      className="absolute -top-2.5 right-2 z-10 flex items-center gap-1"
      title={run.reason ?? style.label}
      data-testid="node-run-state"
    >
      {run.cached && run.state !== 'cached' && (
        <span className="rounded-full bg-teal-50 px-1.5 py-0.5 text-[10px] font-medium text-teal-700 ring-1 ring-teal-200 ring-inset">
          cached
        </span>
      )}
      <span
        className={cn(
          'flex items-center gap-1 rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ring-inset',
          style.pill,
        )}
      >
        <StateIcon state={run.state} />
        {style.label}
        {run.attempt > 1 && <span className="tabular-nums opacity-75">· try {run.attempt}</span>}
      </span>
    </div>
  );
}

function IssueBadge({ issues }: { issues: readonly DocumentIssue[] }) {
  const messages = issues.map((i) => {
    const field = i.path.replace(/^nodes\.[^.]+\.?/, '');
    return field ? `${field}: ${i.message}` : i.message;
  });
  return (
    <div className="group/issue absolute -top-2 -right-2 z-10" data-testid="node-issue">
      <span
        className="flex size-5 cursor-help items-center justify-center rounded-full bg-red-600 text-[11px] font-bold text-white shadow ring-2 ring-white"
        role="img"
        aria-label={`Invalid: ${messages.join('; ')}`}
        title={messages.join('\n')}
      >
        !
      </span>
      <div
        role="tooltip"
        className="pointer-events-none invisible absolute right-0 bottom-full z-20 mb-1.5 w-64 rounded-md bg-slate-900 px-2.5 py-2 text-xs leading-5 text-white shadow-lg group-hover/issue:visible"
      >
        {messages.map((m, i) => (
          <p key={i}>{m}</p>
        ))}
      </div>
    </div>
  );
}

/**
 * A task on the editor canvas: the shared card, plus a red badge when the
 * last validation found problems and the task's state while a run is shown.
 * Memoized; it reads only its own entry of the overlay store (not the graph
 * store, which changes on every drag frame), so a 500-node canvas
 * re-renders only the nodes whose data, issues or run state changed — and
 * not the dragged one for its new position.
 */
export const EditorTaskNode = memo(function EditorTaskNode({
  id,
  data,
  selected,
}: NodeProps<TaskCanvasNode>) {
  const definition = useCatalog().get(data.node.type);
  return definition ? (
    <TaskNodeView
      id={id}
      node={data.node}
      selected={selected}
      typeTitle={definition.title}
      typeGlyph={definition.icon}
      outputs={definition.handles ?? NO_HANDLES}
    />
  ) : (
    <UnknownTypeTaskNode id={id} node={data.node} selected={selected} />
  );
}, sameNodePropsButPosition);

/** A type this server does not know still shows the handles its edges use. */
function UnknownTypeTaskNode({
  id,
  node,
  selected,
}: {
  id: string;
  node: FlowNode;
  selected: boolean;
}) {
  const usedHandles = useEditorStore(useShallow((s) => usedSourceHandles(s.edges, id)));
  return (
    <TaskNodeView
      id={id}
      node={node}
      selected={selected}
      typeTitle={undefined}
      typeGlyph={undefined}
      outputs={usedHandles}
    />
  );
}

function TaskNodeView({
  id,
  node,
  selected,
  typeTitle,
  typeGlyph,
  outputs,
}: {
  id: string;
  node: FlowNode;
  selected: boolean;
  typeTitle: string | undefined;
  typeGlyph: string | undefined;
  outputs: readonly string[];
}) {
  const issues = useEditorOverlay((s) => s.issuesByNode.get(id));
  const run = useEditorOverlay((s) => s.runView?.get(id));
  const zoomedOut = useContext(ZoomedOutContext);
  const policies = useMemo(() => nodePolicies(node), [node]);
  if (zoomedOut) {
    const colours = run
      ? blockColours[run.state]
      : issues
        ? INVALID_BLOCK
        : typeTitle === undefined
          ? UNKNOWN_TYPE_BLOCK
          : undefined;
    const label = node.name ?? id;
    return (
      <div data-state={run?.state} data-invalid={issues ? 'true' : undefined}>
        <NodeBlock
          title={run ? `${label}: ${runStateStyles[run.state].label}` : label}
          colours={colours}
          outputs={outputs}
          selected={selected}
        />
      </div>
    );
  }
  const tone = run ? runStateStyles[run.state].tone : issues ? 'invalid' : undefined;
  return (
    <div data-state={run?.state} data-invalid={issues ? 'true' : undefined}>
      <TaskNodeCard
        nodeId={id}
        name={node.name}
        type={node.type}
        typeTitle={typeTitle}
        typeGlyph={typeGlyph}
        outputs={outputs}
        policies={policies}
        selected={selected}
        tone={tone}
        connectable
        badge={
          <>
            {run && <RunBadge run={run} />}
            {issues && !run && <IssueBadge issues={issues} />}
          </>
        }
      />
    </div>
  );
}
