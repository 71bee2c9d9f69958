'use client';

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Alert } from '@/app/_components/alert';
import { Button, ButtonLink } from '@/app/_components/button';
import { EmptyState } from '@/app/_components/empty-state';
import { DownloadIcon, RotateIcon, WorkflowIcon } from '@/app/_components/icons';
import { NotFoundMessage } from '@/app/_components/not-found-message';
import { apiErrorDetails, isNotFound } from '@/app/_lib/api-errors';
import { useCan } from '@/app/_lib/session';
import { type TaskTypeDescription, useTaskCatalog } from '@/app/_lib/task-catalog';
import { useTRPC, useTRPCClient } from '@/app/_lib/trpc';
import { useExportFlow } from '@/app/_lib/use-export-flow';
import { useInBrowser } from '@/app/_lib/use-in-browser';
import type { FlowDetail } from '@/server/flows/get';
import { FlowEditor } from './editor/flow-editor';
import { FlowCanvas } from './flow-canvas';
import { FlowHeader } from './flow-header';
import { VersionHistory } from './version-history';

/** A 404 is an answer, not a hiccup: do not retry it. */
const retryUnlessNotFound = (failures: number, error: unknown) =>
  !isNotFound(error) && failures < 1;

/**
 * The flow page: the latest version opens in the editor; an older one
 * (`?version=N`) is drawn read-only beside the version history, with Restore.
 */
export function FlowView({
  flowId,
  version,
  initialFlow,
  initialCatalog,
}: {
  flowId: string;
  version: number | undefined;
  /** The flow (at `version`) as the server read it for this page: drawn at hydration. */
  initialFlow?: FlowDetail;
  initialCatalog?: TaskTypeDescription[];
}) {
  const trpc = useTRPC();
  const inBrowser = useInBrowser();
  const flow = useQuery(
    trpc.flows.get.queryOptions(version === undefined ? { id: flowId } : { id: flowId, version }, {
      placeholderData: keepPreviousData,
      retry: retryUnlessNotFound,
      initialData:
        initialFlow?.id === flowId &&
        initialFlow.version.version === (version ?? initialFlow.latestVersion)
          ? initialFlow
          : undefined,
    }),
  );
  const versions = useQuery(
    trpc.flows.versions.queryOptions({ id: flowId }, { retry: retryUnlessNotFound }),
  );
  const exporter = useExportFlow();
  // Viewers get the read-only graph of every version; the editor is for editors.
  const canEdit = useCan('editor');
  const catalog = useTaskCatalog(initialCatalog);
  const queryClient = useQueryClient();
  const client = useTRPCClient();
  const router = useRouter();
  // Bumped to open the latest saved version in a fresh editor (after a conflict or a restore).
  const [generation, setGeneration] = useState(0);
  const restore = useMutation({
    mutationFn: async (input: { version: number; baseVersion: number }) => {
      const document = await client.flows.export.query({ id: flowId, version: input.version });
      return client.flows.update.mutate({
        id: flowId,
        baseVersion: input.baseVersion,
        document,
        message: `Restored version ${input.version}`,
      });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries(trpc.flows.pathFilter());
      router.push(`/flows/${flowId}`);
    },
  });

  if (flow.isError) {
    if (isNotFound(flow.error) && version !== undefined && versions.isPending) {
      return <FlowPageSkeleton />;
    }
    if (isNotFound(flow.error) && version !== undefined && versions.isSuccess) {
      return (
        <NotFoundMessage
          title={`Version ${version} not found`}
          backHref={`/flows/${flowId}`}
          backLabel="Open the latest version"
        >
          This flow has{' '}
          {versions.data.length === 1 ? 'one version' : `${versions.data.length} versions`}; version{' '}
          {version} is not one of them.
        </NotFoundMessage>
      );
    }
    if (isNotFound(flow.error)) {
      return (
        <NotFoundMessage title="Flow not found">
          No flow has this id. It may have been deleted, or the link may be incomplete.
        </NotFoundMessage>
      );
    }
    return (
      <div className="mx-auto max-w-3xl px-6 py-10">
        <Alert tone="error" title="The flow could not be loaded">
          <p>{apiErrorDetails(flow.error).message}</p>
          <Button size="sm" className="mt-3" onClick={() => void flow.refetch()}>
            Try again
          </Button>
        </Alert>
      </div>
    );
  }
  // The server renders the skeleton: a 500-node canvas is laid out once, in the browser.
  if (flow.isPending || !inBrowser) return <FlowPageSkeleton />;

  const data = flow.data;
  const shown = data.version;
  const document = shown.document;
  const isLatest = shown.version === data.latestVersion;
  const exportShown = () => exporter.mutate({ id: data.id, version: shown.version });

  if (canEdit && isLatest && version === undefined) {
    if (catalog.isError) {
      return (
        <div className="mx-auto max-w-3xl px-6 py-10">
          <Alert tone="error" title="The task catalog could not be loaded">
            <p>{apiErrorDetails(catalog.error).message}</p>
            <Button size="sm" className="mt-3" onClick={() => void catalog.refetch()}>
              Try again
            </Button>
          </Alert>
        </div>
      );
    }
    if (catalog.isPending || flow.isPlaceholderData) return <FlowPageSkeleton />;
    return (
      <FlowEditor
        key={`${data.id}:${generation}`}
        flow={{ id: data.id, version: shown.version, document }}
        types={catalog.data}
        versions={versions.data}
        versionsLoading={versions.isPending}
        onReload={() => {
          void flow.refetch().then(() => setGeneration((g) => g + 1));
        }}
      />
    );
  }

  return (
    <div className="flex h-[calc(100dvh-3rem)] flex-col">
      <FlowHeader
        flow={{
          name: document.name,
          description: document.description,
          version: shown.version,
          latestVersion: data.latestVersion,
          savedAt: shown.createdAt,
          nodeCount: document.nodes.length,
          edgeCount: document.edges.length,
        }}
        onExport={exportShown}
        exporting={exporter.isPending}
      />
      {!isLatest && (
        <div
          className="border-b border-amber-200 bg-amber-50 px-6 py-2 text-sm text-amber-900"
          data-testid="older-version-notice"
        >
          You are looking at version {shown.version}. Saved versions never change; the latest is
          version {data.latestVersion}.{' '}
          <Link href={`/flows/${data.id}`} className="font-medium underline underline-offset-2">
            Open the latest version
          </Link>
          {canEdit && (
            <Button
              size="sm"
              className="ml-3 h-7"
              pending={restore.isPending}
              onClick={() =>
                restore.mutate({ version: shown.version, baseVersion: data.latestVersion })
              }
              data-testid="restore-shown-version"
            >
              {!restore.isPending && <RotateIcon className="size-3.5" />}
              Restore this version
            </Button>
          )}
        </div>
      )}
      {restore.isError && (
        <Alert
          tone="error"
          className="m-4 mb-0"
          title={`Could not restore: ${apiErrorDetails(restore.error).message}`}
          onDismiss={() => restore.reset()}
        />
      )}
      {exporter.isError && (
        <Alert
          tone="error"
          className="m-4 mb-0"
          title={`Could not export: ${apiErrorDetails(exporter.error).message}`}
          onDismiss={() => exporter.reset()}
        />
      )}
      <div className="flex min-h-0 flex-1">
        <section aria-label="Flow graph" className="relative min-w-0 flex-1 bg-slate-50">
          {document.nodes.length === 0 ? (
            <EmptyGraph onExport={exportShown} exporting={exporter.isPending} />
          ) : (
            // A new key per version: each version is its own read-only graph, fitted to view.
            <FlowCanvas key={`${data.id}@${shown.version}`} document={document} />
          )}
        </section>
        <VersionHistory
          flowId={data.id}
          versions={versions.data}
          shownVersion={shown.version}
          latestVersion={data.latestVersion}
          loading={versions.isPending}
          onRestore={
            canEdit
              ? (v) => restore.mutate({ version: v, baseVersion: data.latestVersion })
              : undefined
          }
        />
      </div>
    </div>
  );
}

function EmptyGraph({ onExport, exporting }: { onExport: () => void; exporting: boolean }) {
  return (
    <div className="flex h-full items-center justify-center" data-testid="empty-graph">
      <EmptyState
        icon={<WorkflowIcon className="size-5" />}
        title="No tasks in this version"
        actions={
          <>
            <Button onClick={onExport} pending={exporting}>
              {!exporting && <DownloadIcon />}
              Export as a starting document
            </Button>
            <ButtonLink href="/">Back to flows</ButtonLink>
          </>
        }
      >
        <p>
          This page draws a flow’s saved graph: its tasks, how they connect, and each task’s retry,
          cache and timeout settings.
        </p>
        <p className="mt-2">
          To build one today, write the tasks and edges into a flow document (JSON) and import it —
          with <strong className="font-medium text-slate-800">Import</strong> on the Flows page, or{' '}
          <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs text-slate-800">
            pipewright flows import flow.json
          </code>{' '}
          — which saves it as a new flow.
        </p>
      </EmptyState>
    </div>
  );
}

function FlowPageSkeleton() {
  return (
    <div
      className="flex h-[calc(100dvh-3rem)] flex-col"
      role="status"
      aria-busy="true"
      aria-label="Loading flow"
    >
      <div className="border-b border-slate-200 bg-white px-6 py-4">
        <div className="h-3.5 w-12 animate-pulse rounded bg-slate-100" />
        <div className="mt-2.5 h-6 w-64 animate-pulse rounded bg-slate-200" />
        <div className="mt-2.5 h-3.5 w-96 animate-pulse rounded bg-slate-100" />
      </div>
      <div className="flex-1 bg-slate-50" />
    </div>
  );
}
