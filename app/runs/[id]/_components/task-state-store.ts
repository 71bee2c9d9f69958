'use client';

import { createContext, useContext, useSyncExternalStore } from 'react';
import type { RunDetail } from '@/app/_lib/use-run-state';

type TaskSummary = RunDetail['tasks'][number];

/**
 * The run's task summaries by node id, outside React Flow: a state change
 * notifies only that node's subscribers, and React Flow's own store (whose
 * every update re-runs selectors for all 1,000 nodes, 2,000 handles and
 * 2,000 edges) is not touched at all while a run streams in.
 */
export class TaskStateStore {
  private tasks = new Map<string, TaskSummary>();
  private listeners = new Map<string, Set<() => void>>();

  get(nodeId: string): TaskSummary | undefined {
    return this.tasks.get(nodeId);
  }

  subscribe(nodeId: string, listener: () => void): () => void {
    let set = this.listeners.get(nodeId);
    if (!set) {
      set = new Set();
      this.listeners.set(nodeId, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Takes the run's tasks; notifies the nodes whose task object changed (summaries share unchanged ones). */
  update(tasks: readonly TaskSummary[]): void {
    const changed: string[] = [];
    for (const task of tasks) {
      if (this.tasks.get(task.nodeId) === task) continue;
      this.tasks.set(task.nodeId, task);
      changed.push(task.nodeId);
    }
    for (const nodeId of changed)
      for (const listener of this.listeners.get(nodeId) ?? []) listener();
  }
}

export const TaskStateContext = createContext<TaskStateStore | null>(null);

/** The summary of the task of one node, re-rendering only when it changes. */
export function useTaskSummary(nodeId: string): TaskSummary | undefined {
  const store = useContext(TaskStateContext);
  return useSyncExternalStore(
    (listener) => store?.subscribe(nodeId, listener) ?? (() => {}),
    () => store?.get(nodeId),
    () => store?.get(nodeId),
  );
}
