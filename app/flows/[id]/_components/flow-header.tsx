'use client';

import Link from 'next/link';
import { Badge } from '@/app/_components/badge';
import { Button } from '@/app/_components/button';
import { ArrowLeftIcon, DownloadIcon } from '@/app/_components/icons';
import { RelativeTime } from '@/app/_components/relative-time';

export interface ShownFlow {
  name: string;
  description: string | undefined;
  version: number;
  latestVersion: number;
  savedAt: Date;
  nodeCount: number;
  edgeCount: number;
}

function count(n: number, word: string) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Name, description and version of the shown flow version, with its Export action. */
export function FlowHeader({
  flow,
  onExport,
  exporting,
}: {
  flow: ShownFlow;
  onExport: () => void;
  exporting: boolean;
}) {
  const isLatest = flow.version === flow.latestVersion;
  return (
    <header className="border-b border-slate-200 bg-white px-6 py-4">
      <Link
        href="/"
        className="inline-flex items-center gap-1 text-sm text-slate-500 hover:text-slate-900"
      >
        <ArrowLeftIcon className="size-3.5" />
        All flows
      </Link>
      <div className="mt-1 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <h1
              className="truncate text-xl font-semibold tracking-tight text-slate-900"
              data-testid="flow-name"
            >
              {flow.name}
            </h1>
            <Badge tone={isLatest ? 'accent' : 'warning'} data-testid="flow-version">
              v{flow.version}
            </Badge>
            {!isLatest && <Badge tone="warning">read-only · older version</Badge>}
          </div>
          <p className="mt-1 max-w-3xl text-sm text-slate-600" data-testid="flow-description">
            {flow.description || <span className="text-slate-400">No description</span>}
          </p>
          <p className="mt-2 text-xs text-slate-500">
            {count(flow.nodeCount, 'task')} · {count(flow.edgeCount, 'connection')} · saved{' '}
            <RelativeTime date={flow.savedAt} />
          </p>
        </div>
        <Button onClick={onExport} pending={exporting} data-testid="export-flow">
          {!exporting && <DownloadIcon />}
          Export JSON
        </Button>
      </div>
    </header>
  );
}
