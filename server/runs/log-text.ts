import type { Database } from '@/db/client';
import type { LogLevel } from '@/db/schema';
import { listRunLogs } from './queries';

/** Lines read per round trip while streaming a log out. */
const PAGE = 5000;

type LogRow = Awaited<ReturnType<typeof listRunLogs>>[number];

/** One log line as text: time, level, the task that wrote it (and its attempt), message. */
export function logLineText(line: Pick<LogRow, 'at' | 'level' | 'nodeId' | 'attempt' | 'message'>) {
  return `${line.at.toISOString()} ${line.level.toUpperCase().padEnd(5)} ${line.nodeId ?? 'run'}${line.attempt ? `#${line.attempt}` : ''} ${line.message}`;
}

/**
 * A run's log as plain text, streamed: keyset pages of 5,000 lines read
 * one at a time as the client consumes them, so a 100,000-line log is
 * never held in memory (here or in the browser).
 */
export function runLogTextStream(
  db: Database,
  input: { runId: string; taskRunId?: string; minLevel?: LogLevel; search?: string },
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let afterId: number | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const lines = await listRunLogs(db, { ...input, afterId, limit: PAGE });
      if (lines.length > 0) {
        afterId = lines.at(-1)!.id;
        controller.enqueue(encoder.encode(`${lines.map(logLineText).join('\n')}\n`));
      }
      if (lines.length < PAGE) controller.close();
    },
  });
}
