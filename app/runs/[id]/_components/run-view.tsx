'use client';

import { useState } from 'react';
import { cn } from '@/app/_lib/cn';
import type { RunSummary } from '@/app/_lib/run-summary';
import { useInBrowser } from '@/app/_lib/use-in-browser';
import { useRunState } from '@/app/_lib/use-run-state';
import { RunCanvas } from './run-canvas';
import { RunHeader } from './run-header';
import { RunLogs } from './run-logs';
import { RunTimeline } from './run-timeline';
import { TaskPanel } from './task-panel';
import { WaitingReasonBanner } from './waiting-reason';

type Tab = 'graph' | 'timeline' | 'logs';
const tabs: { id: Tab; label: string }[] = [
  { id: 'graph', label: 'Graph' },
  { id: 'timeline', label: 'Timeline' },
  { id: 'logs', label: 'Logs' },
];

/** A run's live page: header, then the graph (with the selected task's panel), timeline or logs. */
export function RunView({
  runId,
  initialNodeId,
  initialSummary,
}: {
  runId: string;
  initialNodeId: string | null;
  /** The summary as the server read it for this page: drawn at once, then kept live. */
  initialSummary?: RunSummary;
}) {
  const run = useRunState(runId, initialSummary);
  // Durations and relative times depend on the clock: drawn in the browser
  // only (the data is already here, so this costs no round trip).
  const inBrowser = useInBrowser();
  const [tab, setTab] = useState<Tab>('graph');
  const [selectedNodeId, setSelectedNodeId] = useState<string | null>(initialNodeId);
  if (!run || !inBrowser) {
    return (
      <div className="p-6 text-sm text-slate-500" data-testid="run-loading">
        Loading run…
      </div>
    );
  }
  const selected = run.tasks.find((t) => t.nodeId === selectedNodeId) ?? null;
  return (
    <div
      className="flex h-[calc(100vh-3rem)] flex-col"
      data-testid="run-page"
      data-run-id={run.id}
      data-run-state={run.state}
    >
      <RunHeader run={run} />
      <WaitingReasonBanner run={run} />
      <div className="flex gap-1 border-b border-slate-200 bg-white px-6" role="tablist">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            className={cn(
              '-mb-px border-b-2 px-3 py-2 text-sm',
              tab === t.id
                ? 'border-indigo-600 font-medium text-slate-900'
                : 'border-transparent text-slate-500 hover:text-slate-800',
            )}
            onClick={() => setTab(t.id)}
            data-testid={`tab-${t.id}`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="flex min-h-0 flex-1">
        <div className="min-w-0 flex-1 overflow-auto">
          {tab === 'graph' && (
            <div className="h-full" data-testid="run-canvas">
              <RunCanvas run={run} selectedNodeId={selectedNodeId} onSelect={setSelectedNodeId} />
            </div>
          )}
          {tab === 'timeline' && <RunTimeline run={run} />}
          {tab === 'logs' && <RunLogs run={run} />}
        </div>
        {tab !== 'logs' && selected && (
          <TaskPanel
            key={selected.nodeId}
            run={run}
            task={selected}
            onClose={() => setSelectedNodeId(null)}
          />
        )}
      </div>
    </div>
  );
}
