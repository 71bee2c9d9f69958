/** Flow run and task run states. The transition rules live beside them. */

export const flowRunStates = [
  'scheduled',
  'pending',
  'running',
  'completed',
  'failed',
  'cancelling',
  'cancelled',
  'crashed',
] as const;
export type FlowRunState = (typeof flowRunStates)[number];

export const taskRunStates = [
  'pending',
  'running',
  'retrying',
  'completed',
  'cached',
  'failed',
  'skipped',
  'cancelled',
  'timedout',
] as const;
export type TaskRunState = (typeof taskRunStates)[number];

const terminalTaskStates: ReadonlySet<TaskRunState> = new Set([
  'completed',
  'cached',
  'failed',
  'skipped',
  'cancelled',
  'timedout',
]);
const successfulTaskStates: ReadonlySet<TaskRunState> = new Set(['completed', 'cached']);
const terminalFlowStates: ReadonlySet<FlowRunState> = new Set([
  'completed',
  'failed',
  'cancelled',
  'crashed',
]);

/** A terminal task run is final: a retry is a new attempt, never an edit of it. */
export function isTerminalTaskState(s: TaskRunState): boolean {
  return terminalTaskStates.has(s);
}

/** Completed or Cached: the task has an output downstream tasks can use. */
export function isSuccessfulTaskState(s: TaskRunState): boolean {
  return successfulTaskStates.has(s);
}

export function isTerminalFlowState(s: FlowRunState): boolean {
  return terminalFlowStates.has(s);
}

/**
 * Legal task run transitions. A pending task may fail without running (its
 * templates did not resolve) and may be Cached or Skipped without ever
 * starting. Terminal states have no way out.
 */
export const taskTransitions: Readonly<Record<TaskRunState, readonly TaskRunState[]>> = {
  pending: ['running', 'cached', 'skipped', 'cancelled', 'failed'],
  running: ['completed', 'failed', 'timedout', 'retrying', 'cancelled'],
  retrying: ['running', 'cancelled', 'failed'],
  completed: [],
  cached: [],
  failed: [],
  skipped: [],
  cancelled: [],
  timedout: [],
};

/**
 * Legal flow run transitions. A cancel is a request: while Cancelling, the
 * run ends Cancelled once its running tasks stop, but it may still end
 * Completed when every task had already finished successfully before the
 * cancel took effect (the last task's completion raced the request), or
 * Failed when a task had already failed. Either way the final state tells
 * what actually happened to the work, not what was asked for.
 */
export const flowTransitions: Readonly<Record<FlowRunState, readonly FlowRunState[]>> = {
  // A scheduled run that cannot start when it fires (its pinned version is gone,
  // its parameters no longer fit the flow) fails with the reason.
  scheduled: ['pending', 'cancelled', 'failed'],
  pending: ['running', 'cancelling', 'cancelled', 'failed'],
  running: ['completed', 'failed', 'cancelling', 'cancelled', 'crashed'],
  cancelling: ['cancelled', 'failed', 'completed'],
  completed: [],
  failed: [],
  cancelled: [],
  crashed: [],
};

export function canTransitionTask(from: TaskRunState, to: TaskRunState): boolean {
  return taskTransitions[from].includes(to);
}

export function canTransitionFlow(from: FlowRunState, to: FlowRunState): boolean {
  return flowTransitions[from].includes(to);
}

export class IllegalTransitionError extends Error {
  readonly kind: 'task' | 'flow';
  readonly from: string;
  readonly to: string;
  constructor(kind: 'task' | 'flow', from: string, to: string) {
    super(`${kind} run cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
    this.kind = kind;
    this.from = from;
    this.to = to;
  }
}

export function assertTaskTransition(from: TaskRunState, to: TaskRunState): void {
  if (!canTransitionTask(from, to)) throw new IllegalTransitionError('task', from, to);
}

export function assertFlowTransition(from: FlowRunState, to: FlowRunState): void {
  if (!canTransitionFlow(from, to)) throw new IllegalTransitionError('flow', from, to);
}
