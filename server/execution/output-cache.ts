import { immutableValues } from '@/server/sandbox/immutable-values';

/**
 * Outputs of finished task runs that claims on this worker read again and
 * again: the list a for-each iterates is an input of every one of its items,
 * and reading a 10,000-element list from the database, parsing it and
 * serialising it for the sandbox on every item cost more than the rest of
 * the item. A completed (or cached) task run's output never changes, so it
 * is kept by task run id, frozen, because claims share it, within a byte
 * budget, least recently used first out. Small outputs are not kept: they
 * cost less to read than to track.
 */
export class OutputCache {
  /** By task run id, in order of last use. */
  private readonly entries = new Map<string, { runId: string; value: unknown; bytes: number }>();
  private readonly byRun = new Map<string, Set<string>>();
  private bytes = 0;

  constructor(
    private readonly budgetBytes = 32 * 1024 * 1024,
    private readonly minBytes = 16 * 1024,
  ) {}

  /** The run's outputs kept here, by task run id (each marked as just used). */
  outputsOf(runId: string): Map<string, unknown> {
    const found = new Map<string, unknown>();
    for (const id of this.byRun.get(runId) ?? []) {
      const entry = this.entries.get(id)!;
      this.entries.delete(id);
      this.entries.set(id, entry);
      found.set(id, entry.value);
    }
    return found;
  }

  /** Keeps an output read from the database, if it is worth keeping; returns it frozen if kept. */
  offer(runId: string, taskRunId: string, value: unknown, bytes: number): unknown {
    if (bytes < this.minBytes || bytes > this.budgetBytes / 4 || this.entries.has(taskRunId)) {
      return value;
    }
    deepFreeze(value);
    if (typeof value === 'object' && value !== null) immutableValues.add(value);
    this.entries.set(taskRunId, { runId, value, bytes });
    const ids = this.byRun.get(runId) ?? new Set<string>();
    ids.add(taskRunId);
    this.byRun.set(runId, ids);
    this.bytes += bytes;
    for (const [id, entry] of this.entries) {
      if (this.bytes <= this.budgetBytes) break;
      this.entries.delete(id);
      this.bytes -= entry.bytes;
      const same = this.byRun.get(entry.runId)!;
      same.delete(id);
      if (same.size === 0) this.byRun.delete(entry.runId);
    }
    return value;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item);
}
