'use client';

import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo, type ReactNode, useContext } from 'react';
import { TaskTypeIcon } from '@/app/_components/task-type-icon';
import { cn } from '@/app/_lib/cn';
import type { TaskCanvasNode } from './canvas-graph';
import { NodeBlock, UNKNOWN_TYPE_BLOCK, ZoomedOutContext } from './node-block';

export interface TaskNodeCardProps {
  nodeId: string;
  name: string | undefined;
  type: string;
  /** The catalog's title and glyph; undefined when this server does not know the type. */
  typeTitle: string | undefined;
  typeGlyph: string | undefined;
  outputs: readonly string[];
  policies: readonly string[];
  selected?: boolean;
  /** Ring colour and badges for a problem or a run state, drawn by the caller. */
  tone?: 'invalid' | 'running' | 'completed' | 'failed' | 'warning' | 'muted';
  badge?: ReactNode;
  connectable?: boolean;
}

const toneClasses: Record<NonNullable<TaskNodeCardProps['tone']>, string> = {
  invalid: 'border-red-300 ring-1 ring-red-200',
  running: 'border-sky-300 ring-2 ring-sky-200',
  completed: 'border-emerald-300 ring-1 ring-emerald-200',
  failed: 'border-red-400 ring-2 ring-red-200',
  warning: 'border-amber-300 ring-1 ring-amber-200',
  muted: 'border-slate-200 opacity-60',
};

/**
 * How a task looks on any canvas: type icon and title, the node's name and
 * id, its policies, an input on the left and its outputs on the right (a
 * branch has a labelled `true` and `false` output).
 */
export function TaskNodeCard({
  nodeId,
  name,
  type,
  typeTitle,
  typeGlyph,
  outputs,
  policies,
  selected = false,
  tone,
  badge,
  connectable = false,
}: TaskNodeCardProps) {
  const known = typeTitle !== undefined;
  return (
    <div
      className={cn(
        'relative w-60 rounded-lg border bg-white text-sm shadow-sm transition-shadow',
        tone ? toneClasses[tone] : known ? 'border-slate-200' : 'border-amber-300',
        selected && 'shadow-md outline-2 outline-offset-2 outline-indigo-500',
      )}
      data-task-type={type}
      data-task-card
    >
      <Handle type="target" position={Position.Left} isConnectable={connectable} />
      {badge}
      <div className="flex items-start gap-2.5 p-3">
        <div
          className={cn(
            'flex size-8 shrink-0 items-center justify-center rounded-md ring-1 ring-inset',
            known
              ? 'bg-indigo-50 text-indigo-600 ring-indigo-100'
              : 'bg-amber-50 text-amber-700 ring-amber-200',
          )}
        >
          <TaskTypeIcon type={type} glyph={typeGlyph} />
        </div>
        <div className="min-w-0 flex-1">
          <div className="truncate text-[11px] font-medium tracking-wide text-slate-500 uppercase">
            {typeTitle ?? `Unknown type “${type}”`}
          </div>
          <div className="truncate font-medium text-slate-900" title={name ?? nodeId}>
            {name ?? nodeId}
          </div>
          {name !== undefined && (
            <div className="truncate font-mono text-xs text-slate-500">{nodeId}</div>
          )}
        </div>
      </div>
      {policies.length > 0 && (
        <div className="flex flex-wrap gap-1 px-3 pb-3">
          {policies.map((policy) => (
            <span
              key={policy}
              className="rounded bg-slate-100 px-1.5 py-0.5 text-[11px] leading-none text-slate-600"
            >
              {policy}
            </span>
          ))}
        </div>
      )}
      {outputs.length > 0 ? (
        <div className="border-t border-slate-100 py-1">
          {outputs.map((output) => (
            <div
              key={output}
              className="relative px-3 py-1 text-right font-mono text-xs text-slate-600"
              data-output={output}
            >
              {output}
              <Handle
                type="source"
                id={output}
                position={Position.Right}
                isConnectable={connectable}
              />
            </div>
          ))}
        </div>
      ) : (
        <Handle type="source" position={Position.Right} isConnectable={connectable} />
      )}
    </div>
  );
}

/**
 * A task on the read-only canvas: its card, or a block when zoomed out past
 * reading. Memoized: a big graph re-renders only changed nodes.
 */
export const TaskNode = memo(function TaskNode({ data }: NodeProps<TaskCanvasNode>) {
  const zoomedOut = useContext(ZoomedOutContext);
  if (zoomedOut)
    return (
      <NodeBlock
        title={data.name ?? data.nodeId}
        colours={data.typeTitle === undefined ? UNKNOWN_TYPE_BLOCK : undefined}
        outputs={data.outputs}
        selected={false}
      />
    );
  return (
    <TaskNodeCard
      nodeId={data.nodeId}
      name={data.name}
      type={data.type}
      typeTitle={data.typeTitle}
      typeGlyph={data.typeGlyph}
      outputs={data.outputs}
      policies={data.policies}
    />
  );
});
