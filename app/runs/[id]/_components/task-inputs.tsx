'use client';

import type { RunDetail } from '@/app/_lib/use-run-state';
import { runStateStyles } from '@/app/flows/[id]/_components/editor/run-state-style';
import { isTerminalTaskState } from '@/server/engine/states';
import type { TaskDetail } from '@/server/runs/task-detail';
import { TaskValue } from './task-value';

type TaskInput = TaskDetail['inputs'][number];

/**
 * What the task received: each direct upstream's output under its node id
 * (as the task reads it, `inputs.<id>`), and a for-each item's `item` and
 * `index`. An upstream that was skipped, failed or has not finished is
 * listed with its state and no value, so a missing input explains itself.
 */
export function TaskInputs({
  run,
  nodeId,
  inputs,
  item,
  version,
}: {
  run: RunDetail;
  nodeId: string;
  inputs: TaskDetail['inputs'];
  item: TaskDetail['item'];
  version: string;
}) {
  const names = new Map(run.document.nodes.map((n) => [n.id, n.name]));
  const labelOf = (id: string) => {
    const name = names.get(id);
    return name && name !== id ? `${name} (${id})` : id;
  };
  return (
    <section className="flex flex-col gap-2" data-testid="task-inputs">
      <h3 className="text-xs font-medium text-slate-600">Inputs</h3>
      {!item && inputs.length === 0 && (
        <p className="text-xs text-slate-500">None: nothing runs before this task.</p>
      )}
      {item && (
        <div data-testid="task-input-item" data-index={item.index}>
          <TaskValue
            runId={run.id}
            nodeId={nodeId}
            field="item"
            label={`item (index ${item.index})`}
            testId="task-input-value"
            bytes={item.bytes}
            deferred={item.deferred}
            value={item.value}
            version={version}
          />
        </div>
      )}
      {inputs.map((input) => (
        <div
          key={input.nodeId}
          data-testid={`task-input-${input.nodeId}`}
          data-state={input.state ?? undefined}
        >
          {input.passed && input.bytes !== null ? (
            <TaskValue
              runId={run.id}
              nodeId={input.nodeId}
              field="output"
              label={labelOf(input.nodeId)}
              testId="task-input-value"
              bytes={input.bytes}
              deferred={input.deferred}
              value={input.value}
              version={version}
            />
          ) : (
            <MissingInput label={labelOf(input.nodeId)} input={input} />
          )}
        </div>
      ))}
    </section>
  );
}

/** An upstream with no value to show, and why: its state. */
function MissingInput({ label, input }: { label: string; input: TaskInput }) {
  const style = input.state ? runStateStyles[input.state] : null;
  const why = input.passed
    ? 'no output (null)'
    : input.state === null || !isTerminalTaskState(input.state)
      ? 'no value yet'
      : 'no value';
  return (
    <div className="flex items-center justify-between gap-2 text-xs">
      <span className="min-w-0 truncate font-medium text-slate-600">{label}</span>
      <span className="flex shrink-0 items-center gap-2">
        {style && (
          <span
            className={`rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ring-inset ${style.pill}`}
            data-testid="task-input-state"
          >
            {style.label}
          </span>
        )}
        <span className="text-slate-400" data-testid="task-input-missing">
          {why}
        </span>
      </span>
    </div>
  );
}
