'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Button } from '@/app/_components/button';
import { DownloadIcon } from '@/app/_components/icons';
import { useShareToken } from '@/app/_lib/run-access';
import { useTRPC } from '@/app/_lib/trpc';
import type { RunDetail } from '@/app/_lib/use-run-state';
import { isTerminalFlowState } from '@/server/engine/states';
import { type LogLine, LogLines, logLinesToText } from './log-lines';

const LIVE_MS = 1000;
const levelRank: Record<LogLine['level'], number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Every log line of the run: level filter, text search, download as .txt; follows live. */
export function RunLogs({ run }: { run: RunDetail }) {
  const trpc = useTRPC();
  const share = useShareToken();
  const live = !isTerminalFlowState(run.state);
  const logs = useQuery(
    trpc.runs.logs.queryOptions(
      { runId: run.id, limit: 5000, share },
      { refetchInterval: live ? LIVE_MS : false, staleTime: 0 },
    ),
  );
  const refetch = logs.refetch;
  // biome-ignore lint/correctness/useExhaustiveDependencies: one last read when the run ends
  useEffect(() => {
    void refetch();
  }, [refetch, run.state]);
  const [minLevel, setMinLevel] = useState<LogLine['level']>('debug');
  const [search, setSearch] = useState('');
  const taskNames = useMemo(() => new Map(run.tasks.map((t) => [t.id, t.nodeId])), [run.tasks]);
  const lines = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (logs.data ?? []).filter(
      (l) =>
        levelRank[l.level] >= levelRank[minLevel] &&
        (needle === '' || l.message.toLowerCase().includes(needle)),
    );
  }, [logs.data, minLevel, search]);

  const download = () => {
    const blob = new Blob([logLinesToText(lines, taskNames)], { type: 'text/plain' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `run-${run.id}.txt`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <div className="flex flex-col gap-3 p-4" data-testid="run-logs">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <label className="flex items-center gap-1 text-slate-600">
          Level
          <select
            className="h-8 rounded-md border border-slate-300 bg-white px-2 text-sm"
            value={minLevel}
            onChange={(e) => setMinLevel(e.target.value as LogLine['level'])}
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
        <span className="text-xs text-slate-500 tabular-nums">
          {lines.length} of {logs.data?.length ?? 0} lines
        </span>
        <Button size="sm" onClick={download} data-testid="logs-download" className="ml-auto">
          <DownloadIcon className="size-4" /> Download .txt
        </Button>
      </div>
      <LogLines lines={lines} taskNames={taskNames} testId="run-log-lines" />
    </div>
  );
}
