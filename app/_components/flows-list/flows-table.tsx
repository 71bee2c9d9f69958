'use client';

import Link from 'next/link';
import { Badge } from '@/app/_components/badge';
import { IconButton, Spinner } from '@/app/_components/button';
import { CopyIcon, DownloadIcon, PencilIcon, TrashIcon } from '@/app/_components/icons';
import { RelativeTime } from '@/app/_components/relative-time';
import { FlowBadgeButton } from './flow-badge-button';

export interface FlowListItem {
  id: string;
  name: string;
  description: string;
  latestVersion: number;
  nodeCount: number;
  updatedAt: Date;
}

export interface FlowRowActions {
  onRename: (flow: FlowListItem) => void;
  onDuplicate: (flow: FlowListItem) => void;
  onExport: (flow: FlowListItem) => void;
  onDelete: (flow: FlowListItem) => void;
  /** Ids of flows with a duplicate or export in flight. */
  busyIds: ReadonlySet<string>;
  /** Rename, duplicate and delete are for editors; everyone may export. */
  canEdit: boolean;
}

export function FlowsTable({ flows, ...actions }: { flows: FlowListItem[] } & FlowRowActions) {
  return (
    <div className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs">
      <table className="w-full table-fixed text-sm">
        <thead className="border-b border-slate-200 bg-slate-50/80 text-left text-xs font-medium text-slate-500">
          <tr>
            <th scope="col" className="px-4 py-2.5 font-medium">
              Name
            </th>
            <th scope="col" className="w-24 px-4 py-2.5 text-right font-medium">
              Tasks
            </th>
            <th scope="col" className="w-24 px-4 py-2.5 font-medium">
              Version
            </th>
            <th scope="col" className="w-36 px-4 py-2.5 font-medium">
              Updated
            </th>
            <th scope="col" className="w-48 px-4 py-2.5">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {flows.map((flow) => (
            <FlowRow key={flow.id} flow={flow} {...actions} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FlowRow({
  flow,
  onRename,
  onDuplicate,
  onExport,
  onDelete,
  busyIds,
  canEdit,
}: { flow: FlowListItem } & FlowRowActions) {
  const busy = busyIds.has(flow.id);
  return (
    <tr data-testid="flow-row" data-flow-id={flow.id} className="group hover:bg-slate-50/70">
      <td className="px-4 py-3">
        <Link
          href={`/flows/${flow.id}`}
          className="font-medium text-slate-900 hover:text-indigo-600 focus-visible:rounded-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
          data-testid="flow-link"
        >
          {flow.name}
        </Link>
        <p className="mt-0.5 truncate text-slate-500" title={flow.description || undefined}>
          {flow.description || <span className="text-slate-400">No description</span>}
        </p>
      </td>
      <td className="px-4 py-3 text-right tabular-nums text-slate-700">{flow.nodeCount}</td>
      <td className="px-4 py-3">
        <Badge title={`Latest version: ${flow.latestVersion}`}>v{flow.latestVersion}</Badge>
      </td>
      <td className="px-4 py-3 text-slate-600">
        <RelativeTime date={flow.updatedAt} />
      </td>
      <td className="px-4 py-3">
        <div className="flex items-center justify-end gap-0.5 text-slate-500">
          {busy && <Spinner className="mr-1.5 text-slate-400" />}
          {canEdit && (
            <>
              <IconButton
                label={`Rename ${flow.name}`}
                onClick={() => onRename(flow)}
                data-testid="rename-flow"
              >
                <PencilIcon />
              </IconButton>
              <IconButton
                label={`Duplicate ${flow.name}`}
                onClick={() => onDuplicate(flow)}
                disabled={busy}
                data-testid="duplicate-flow"
              >
                <CopyIcon />
              </IconButton>
            </>
          )}
          <IconButton
            label={`Export ${flow.name} as JSON`}
            onClick={() => onExport(flow)}
            disabled={busy}
            data-testid="export-flow"
          >
            <DownloadIcon />
          </IconButton>
          <FlowBadgeButton flow={flow} />
          {canEdit && (
            <IconButton
              label={`Delete ${flow.name}`}
              onClick={() => onDelete(flow)}
              className="hover:bg-red-50 hover:text-red-600"
              data-testid="delete-flow"
            >
              <TrashIcon />
            </IconButton>
          )}
        </div>
      </td>
    </tr>
  );
}

/** Grey rows in the table's shape while the first page loads. */
export function FlowsTableSkeleton() {
  return (
    <div
      className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs"
      role="status"
      aria-busy="true"
      aria-label="Loading flows"
    >
      <div className="h-9 border-b border-slate-200 bg-slate-50/80" />
      {[0, 1, 2].map((i) => (
        <div key={i} className="flex items-center gap-6 border-b border-slate-100 px-4 py-4">
          <div className="flex-1 space-y-2">
            <div className="h-3.5 w-48 animate-pulse rounded bg-slate-200" />
            <div className="h-3 w-72 animate-pulse rounded bg-slate-100" />
          </div>
          <div className="h-3.5 w-8 animate-pulse rounded bg-slate-100" />
          <div className="h-3.5 w-12 animate-pulse rounded bg-slate-100" />
          <div className="h-3.5 w-20 animate-pulse rounded bg-slate-100" />
        </div>
      ))}
    </div>
  );
}
