'use client';

import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import { TaskTypeIcon } from '@/app/_components/task-type-icon';
import { cn } from '@/app/_lib/cn';
import type { TaskCanvasNode } from './canvas-graph';

/**
 * One task on the canvas: type icon and title, the node's name and id, its
 * policies, an input on the left and its outputs on the right (a branch has
 * a labelled `true` and `false` output). Memoized: a big graph re-renders
 * only the nodes whose data changed.
 */
export const TaskNode = memo(function TaskNode({ data }: NodeProps<TaskCanvasNode>) {
  const known = data.typeTitle !== undefined;
  return (
    <div
      className={cn(
        'w-60 rounded-lg border bg-white text-sm shadow-sm',
        known ? 'border-slate-200' : 'border-amber-300',
      )}
      data-task-type={data.type}
    >
      <Handle type="target" position={Position.Left} />
      <div className="flex items-start gap-2.5 p-3">
        <div
          className={cn(
            'flex size-8 shrink-0 items-center justify-center rounded-md ring-1 ring-inset',
            known
              ? 'bg-indigo-50 text-indigo-600 ring-indigo-100'
              : 'bg-amber-50 text-amber-700 ring-amber-200',
          )}
        >
          <TaskTypeIcon type={data.type} glyph={data.typeGlyph} />
        </div>
        <div className="min-w-0 flex-1">
          <div className="truncate text-[11px] font-medium tracking-wide text-slate-500 uppercase">
            {data.typeTitle ?? `Unknown type “${data.type}”`}
          </div>
          <div className="truncate font-medium text-slate-900" title={data.name ?? data.nodeId}>
            {data.name ?? data.nodeId}
          </div>
          {data.name !== undefined && (
            <div className="truncate font-mono text-xs text-slate-500">{data.nodeId}</div>
          )}
        </div>
      </div>
      {data.policies.length > 0 && (
        <div className="flex flex-wrap gap-1 px-3 pb-3">
          {data.policies.map((policy) => (
            <span
              key={policy}
              className="rounded bg-slate-100 px-1.5 py-0.5 text-[11px] leading-none text-slate-600"
            >
              {policy}
            </span>
          ))}
        </div>
      )}
      {data.outputs.length > 0 ? (
        <div className="border-t border-slate-100 py-1">
          {data.outputs.map((output) => (
            <div
              key={output}
              className="relative px-3 py-1 text-right font-mono text-xs text-slate-600"
              data-output={output}
            >
              {output}
              <Handle type="source" id={output} position={Position.Right} />
            </div>
          ))}
        </div>
      ) : (
        <Handle type="source" position={Position.Right} />
      )}
    </div>
  );
});
