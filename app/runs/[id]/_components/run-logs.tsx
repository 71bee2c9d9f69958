'use client';

import { useDeferredValue, useState } from 'react';
import { Button, buttonClasses } from '@/app/_components/button';
import { DownloadIcon } from '@/app/_components/icons';
import { useShareToken } from '@/app/_lib/run-access';
import type { RunDetail } from '@/app/_lib/use-run-state';
import type { LogLevel } from '@/db/schema/runs';
import { isTerminalFlowState } from '@/server/engine/states';
import { LogView } from './log-view';
import { useLogWindow } from './use-log-window';

/**
 * Every log line of the run: level filter and text search (done by the
 * database), a virtualized list that follows the tail live, and the whole
 * log as a .txt download streamed by `/api/runs/<id>/logs.txt`.
 */
export function RunLogs({ run }: { run: RunDetail }) {
  const live = !isTerminalFlowState(run.state);
  const share = useShareToken();
  const [minLevel, setMinLevel] = useState<LogLevel>('debug');
  const [search, setSearch] = useState('');
  // Typing stays responsive; the query follows the settled text.
  const deferredSearch = useDeferredValue(search);
  const log = useLogWindow({ runId: run.id, minLevel, search: deferredSearch }, live);

  return (
    <div className="flex h-full flex-col gap-3 p-4" data-testid="run-logs">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <label className="flex items-center gap-1 text-slate-600">
          Level
          <select
            className="h-8 rounded-md border border-slate-300 bg-white px-2 text-sm"
            value={minLevel}
            onChange={(e) => setMinLevel(e.target.value as LogLevel)}
            data-testid="logs-level"
          >
            <option value="debug">all</option>
            <option value="info">info and up</option>
            <option value="warn">warnings and errors</option>
            <option value="error">errors</option>
          </select>
        </label>
        <input
          type="search"
          placeholder="Search logs"
          className="h-8 w-64 rounded-md border border-slate-300 px-2 text-sm"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="logs-search"
        />
        <span className="text-xs text-slate-500 tabular-nums" data-testid="logs-count">
          {log.lines.length.toLocaleString('en')}
          {log.hasOlder || log.hasNewer ? '+' : ''} lines
          {log.hasOlder || log.hasNewer ? ' (more load as you scroll)' : ''}
        </span>
        <div className="ml-auto flex items-center gap-2">
          <Button
            size="sm"
            variant="ghost"
            onClick={() => void log.jumpToStart()}
            data-testid="logs-start"
          >
            Start
          </Button>
          <Button
            size="sm"
            variant="ghost"
            onClick={() => void log.jumpToEnd()}
            data-testid="logs-end"
          >
            End
          </Button>
          <a
            href={`/api/runs/${encodeURIComponent(run.id)}/logs.txt${share ? `?share=${encodeURIComponent(share)}` : ''}`}
            download={`run-${run.id}.txt`}
            className={buttonClasses('secondary', 'sm')}
            data-testid="logs-download"
            title="The run's complete log as plain text"
          >
            <DownloadIcon className="size-4" /> Download .txt
          </a>
        </div>
      </div>
      <LogView log={log} showTask fill testId="run-log-lines" />
    </div>
  );
}
