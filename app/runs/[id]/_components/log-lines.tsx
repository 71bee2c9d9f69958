import { cn } from '@/app/_lib/cn';

export interface LogLine {
  id: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  at: Date;
  attempt: number | null;
  taskRunId: string | null;
}

const levelClasses: Record<LogLine['level'], string> = {
  debug: 'text-slate-400',
  info: 'text-slate-700',
  warn: 'text-amber-700',
  error: 'text-red-700',
};

const time = new Intl.DateTimeFormat('en', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  hour12: false,
});

/** Log lines as a monospace list: time, level, message. */
export function LogLines({
  lines,
  taskNames,
  testId,
}: {
  lines: readonly LogLine[];
  /** task run id → node id, to say which task wrote a line (whole-run view). */
  taskNames?: ReadonlyMap<string, string>;
  testId?: string;
}) {
  if (lines.length === 0)
    return (
      <p className="text-xs text-slate-500" data-testid={testId}>
        No log lines.
      </p>
    );
  return (
    <ol
      className="max-h-96 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-xs ring-1 ring-slate-200 ring-inset"
      data-testid={testId}
    >
      {lines.map((line) => (
        <li key={line.id} className="flex gap-2 whitespace-pre-wrap" data-level={line.level}>
          <span className="shrink-0 text-slate-400 tabular-nums">{time.format(line.at)}</span>
          <span className={cn('w-10 shrink-0 uppercase', levelClasses[line.level])}>
            {line.level}
          </span>
          {taskNames && (
            <span className="shrink-0 text-indigo-600">
              {(line.taskRunId && taskNames.get(line.taskRunId)) ?? 'run'}
            </span>
          )}
          <span className={cn('min-w-0 break-all', levelClasses[line.level])}>{line.message}</span>
        </li>
      ))}
    </ol>
  );
}

/** Plain text of log lines, for download. */
export function logLinesToText(
  lines: readonly LogLine[],
  taskNames: ReadonlyMap<string, string>,
): string {
  return lines
    .map(
      (l) =>
        `${l.at.toISOString()} ${l.level.toUpperCase().padEnd(5)} ${(l.taskRunId && taskNames.get(l.taskRunId)) ?? 'run'}${l.attempt ? `#${l.attempt}` : ''} ${l.message}`,
    )
    .join('\n');
}
