import type { LogLevel } from '@/db/schema';
import type { SandboxPool } from '@/server/sandbox';
import type { TaskRunContext } from '@/server/tasks/runner';

export interface RecordingContext extends TaskRunContext {
  logs: { level: LogLevel; message: string }[];
  /** Every log line, one per line, for assertions. */
  logText(): string;
}

/** A hand-made run context for calling a runner directly: records log lines. */
export function runnerContext(
  config: Record<string, unknown>,
  options: { timeoutMs?: number | null; signal?: AbortSignal } = {},
): RecordingContext {
  const logs: RecordingContext['logs'] = [];
  return {
    config,
    inputs: {},
    params: {},
    signal: options.signal ?? new AbortController().signal,
    timeoutMs: options.timeoutMs ?? null,
    log: (level, message) => logs.push({ level, message }),
    sandbox: {} as SandboxPool,
    ids: { flowRunId: 'run', taskRunId: 'task', nodeId: 'node', attempt: 1 },
    childRuns: {
      start: () => Promise.reject(new Error('no child runs in a runner test')),
      get: () => Promise.resolve(null),
    },
    logs,
    logText: () => logs.map((l) => l.message).join('\n'),
  };
}
