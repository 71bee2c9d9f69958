import type { RunSummary, RunSummaryHead, TaskSummary } from '@/server/runs/summary';

export type { RunSummary, TaskSummary } from '@/server/runs/summary';

/** What the event stream sends after its first snapshot: the run's fields and the tasks that changed. */
export interface RunSummaryPatch {
  head: RunSummaryHead;
  tasks: TaskSummary[];
}

const fingerprints = new WeakMap<TaskSummary, string>();
function fingerprint(task: TaskSummary): string {
  let text = fingerprints.get(task);
  if (text === undefined) {
    text = JSON.stringify(task);
    fingerprints.set(task, text);
  }
  return text;
}

/**
 * The newer of two summaries of one run, sharing every unchanged task
 * object (and the document) with the one already shown, so memoized nodes
 * and rows re-render only for tasks that really changed. `seq` only grows:
 * a summary read earlier (a slow backstop poll overtaken by the stream)
 * never replaces a later one.
 */
export function mergeSummary(current: RunSummary | undefined, incoming: RunSummary): RunSummary {
  if (!current || current.id !== incoming.id) return incoming;
  if (incoming === current || incoming.seq < current.seq) return current;
  const previous = new Map(current.tasks.map((t) => [t.id, t]));
  let same = incoming.tasks.length === current.tasks.length;
  const tasks = incoming.tasks.map((task, i) => {
    const old = previous.get(task.id);
    const kept = old && fingerprint(old) === fingerprint(task) ? old : task;
    if (kept !== current.tasks[i]) same = false;
    return kept;
  });
  return {
    ...incoming,
    document:
      incoming.flowVersionId === current.flowVersionId ? current.document : incoming.document,
    tasks: same ? current.tasks : tasks,
  };
}

/** A patch from the stream applied to the summary shown (ignored if that is already newer). */
export function applyPatch(
  current: RunSummary | undefined,
  patch: RunSummaryPatch,
): RunSummary | undefined {
  if (!current || current.id !== patch.head.id || patch.head.seq < current.seq) return current;
  const changed = new Map(patch.tasks.map((t) => [t.id, t]));
  const tasks =
    changed.size === 0
      ? current.tasks
      : current.tasks.map((t) => {
          const next = changed.get(t.id);
          if (!next) return t;
          changed.delete(t.id);
          return fingerprint(next) === fingerprint(t) ? t : next;
        });
  // A task the page never saw (cannot happen for a run's fixed task set, but
  // never drop data): appended; the next full read puts it in order.
  for (const t of changed.values()) tasks.push(t);
  return { ...current, ...patch.head, tasks };
}
