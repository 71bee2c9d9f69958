'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import { Badge } from '@/app/_components/badge';
import { Button, IconButton } from '@/app/_components/button';
import { Dialog } from '@/app/_components/dialog';
import { ErrorList } from '@/app/_components/error-list';
import {
  AlertIcon,
  ArrowLeftIcon,
  ChevronDownIcon,
  DownloadIcon,
  GridIcon,
  KeyboardIcon,
  LayoutIcon,
  MaximizeIcon,
  NoteIcon,
  PlayIcon,
  RedoIcon,
  SaveIcon,
  UndoIcon,
  XIcon,
  ZapIcon,
} from '@/app/_components/icons';
import { MenuItem, Popover } from '@/app/_components/popover';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { cn } from '@/app/_lib/cn';
import { downloadJson, jsonFileName } from '@/app/_lib/download-json';
import type { TaskTypeDescription } from '@/app/_lib/task-catalog';
import { useTRPC, useTRPCClient } from '@/app/_lib/trpc';
import { useRunState } from '@/app/_lib/use-run-state';
import type { FlowDocument } from '@/server/engine/document';
import { SchedulesButton } from '../schedules/schedules-panel';
import { TriggersPanel } from '../triggers/triggers-panel';
import { type FlowVersionSummary, VersionHistory } from '../version-history';
import { autoLayoutPositions } from './auto-layout';
import { CanvasDomProvider, useDropPosition } from './canvas-dom';
import { CatalogProvider } from './catalog-context';
import { EditorCanvas } from './editor-canvas';
import { editorGraphToDocument, isTaskNode, NOTE_DEFAULT_SIZE } from './editor-graph';
import {
  EditorStoreProvider,
  useEditorOverlay,
  useEditorStore,
  useEditorStoreApi,
} from './editor-store';
import { FlowSettingsPanel } from './flow-settings';
import { NodeInspector } from './node-inspector';
import { Palette } from './palette';
import { QuickAddDialog } from './quick-add';
import { RunBar } from './run-bar';
import { RunWithDialog, type RunWithFailure } from './run-with-dialog';
import { ShortcutsDialog } from './shortcuts-dialog';
import { useDocumentValidation } from './use-document-validation';
import { useEditorShortcuts } from './use-editor-shortcuts';
import { useLeaveGuard } from './use-leave-guard';

export interface EditorFlow {
  id: string;
  /** The latest version when the editor opened: saving over a newer one is a conflict. */
  version: number;
  document: FlowDocument;
}

interface EditorProps {
  flow: EditorFlow;
  types: readonly TaskTypeDescription[];
  versions: FlowVersionSummary[] | undefined;
  versionsLoading: boolean;
  /** Load the latest saved version afresh (after a conflict or a restore). */
  onReload: () => void;
}

/** The flow editor: palette, canvas, inspector and history around one editor store. */
export function FlowEditor(props: EditorProps) {
  return (
    <ReactFlowProvider>
      <EditorStoreProvider document={props.flow.document}>
        <CatalogProvider types={props.types}>
          <CanvasDomProvider>
            <FlowEditorLayout {...props} />
          </CanvasDomProvider>
        </CatalogProvider>
      </EditorStoreProvider>
    </ReactFlowProvider>
  );
}

const SNAP_KEY = 'pipewright.snapToGrid';
const FIT_OPTIONS = { padding: 0.15, maxZoom: 1.1, duration: 250 };

type RunRequest = { params?: Record<string, unknown>; fromForm: boolean };

function FlowEditorLayout({ flow, types, versions, versionsLoading, onReload }: EditorProps) {
  const store = useEditorStoreApi();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const router = useRouter();
  const { fitView } = useReactFlow();
  const dropPosition = useDropPosition();

  const [baseVersion, setBaseVersion] = useState(flow.version);
  const [savedDocument, setSavedDocument] = useState(flow.document);
  const [snap, setSnap] = useState(true);
  const [saveOpen, setSaveOpen] = useState(false);
  const [saveMessage, setSaveMessage] = useState('');
  const [conflict, setConflict] = useState<string | null>(null);
  const [quickAddAt, setQuickAddAt] = useState<{ x: number; y: number } | null>(null);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const [triggersOpen, setTriggersOpen] = useState(false);
  const [runMenuOpen, setRunMenuOpen] = useState(false);
  const [runWithOpen, setRunWithOpen] = useState(false);
  const [runFailure, setRunFailure] = useState<RunWithFailure | null>(null);
  const [saveFirst, setSaveFirst] = useState<RunRequest | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const [restoring, setRestoring] = useState<number | null>(null);
  const [tab, setTab] = useState<'properties' | 'history'>('properties');

  const dirty = useEditorStore((s) => s.revision !== s.savedRevision);
  const nodeCount = useEditorStore((s) => s.nodes.length);
  const canUndo = useEditorStore((s) => s.past.length > 0);
  const canRedo = useEditorStore((s) => s.future.length > 0);
  const name = useEditorStore((s) => s.meta.name);

  useDocumentValidation(store);
  const guard = useLeaveGuard(dirty, (href) => router.push(href));

  useEffect(() => {
    setSnap(window.localStorage.getItem(SNAP_KEY) !== 'off');
  }, []);
  const toggleSnap = useCallback(() => {
    setSnap((on) => {
      window.localStorage.setItem(SNAP_KEY, on ? 'off' : 'on');
      return !on;
    });
  }, []);

  /* ---------------------------------- run ---------------------------------- */
  const run = useRunState(runId);
  useEffect(() => {
    if (!run) {
      store.getState().setRunView(null);
      return;
    }
    store.getState().setRunView(
      new Map(
        run.tasks.map((t) => [
          t.nodeId,
          {
            state: t.state,
            attempt: t.attempt,
            cached: t.state === 'cached' || t.cachedFromTaskRunId !== null,
            reason: t.stateReason,
          },
        ]),
      ),
    );
  }, [run, store]);

  const startRun = useMutation({
    mutationFn: (request: RunRequest) =>
      client.runs.start.mutate({
        flowId: flow.id,
        trigger: 'manual',
        ...(request.params ? { params: request.params } : {}),
      }),
    onSuccess: ({ id }) => {
      setRunWithOpen(false);
      setRunFailure(null);
      setRunId(id);
    },
    onError: (error, request) => {
      const details = apiErrorDetails(error);
      if (request.fromForm) {
        const fields: Record<string, string[]> = {};
        const rest: string[] = [];
        for (const issue of details.documentIssues) {
          const param = /^params\.(.+)$/.exec(issue.path)?.[1];
          if (param)
            fields[param] = [...(fields[param] ?? []), `parameter "${param}": ${issue.message}`];
          else rest.push(issue.message);
        }
        setRunFailure({
          fields,
          message: Object.keys(fields).length > 0 && rest.length === 0 ? null : details.message,
        });
        setRunWithOpen(true);
      } else {
        store.getState().notify('error', `Could not start a run: ${details.message}`);
      }
    },
  });

  /* ---------------------------------- save --------------------------------- */
  const save = useMutation({
    mutationFn: async (message: string) => {
      const state = store.getState();
      const revision = state.revision;
      const document = editorGraphToDocument(state);
      const trimmed = message.trim();
      const result = await client.flows.update.mutate({
        id: flow.id,
        baseVersion,
        document,
        ...(trimmed ? { message: trimmed } : {}),
      });
      return { version: result.version.version, revision, document };
    },
    onSuccess: ({ version, revision, document }) => {
      setBaseVersion(version);
      setSavedDocument(document);
      store.getState().markSaved(revision);
      setSaveOpen(false);
      setSaveMessage('');
      store.getState().notify('info', `Saved as version ${version}.`);
      void queryClient.invalidateQueries(trpc.flows.pathFilter());
    },
    onError: (error) => {
      const details = apiErrorDetails(error);
      if (details.code === 'CONFLICT') {
        setSaveOpen(false);
        setSaveFirst(null);
        setConflict(details.message);
      } else if (details.documentIssues.length > 0) {
        store.getState().setIssues(details.documentIssues);
      }
    },
  });

  const requestRun = (request: RunRequest) => {
    if (dirty) setSaveFirst(request);
    else if (request.fromForm) {
      setRunFailure(null);
      setRunWithOpen(true);
    } else startRun.mutate(request);
  };

  const saveAndRun = async (request: RunRequest) => {
    try {
      await save.mutateAsync('');
    } catch {
      setSaveFirst(null);
      return;
    }
    setSaveFirst(null);
    if (request.fromForm) setRunWithOpen(true);
    else startRun.mutate(request);
  };

  /* ------------------------------- restoring ------------------------------- */
  const restore = useMutation({
    mutationFn: async (version: number) => {
      const document = await client.flows.export.query({ id: flow.id, version });
      return client.flows.update.mutate({
        id: flow.id,
        baseVersion,
        document,
        message: `Restored version ${version}`,
      });
    },
    onSuccess: async () => {
      setRestoring(null);
      store.getState().markSaved(store.getState().revision);
      await queryClient.invalidateQueries(trpc.flows.pathFilter());
      onReload();
    },
    onError: (error) => {
      const details = apiErrorDetails(error);
      setRestoring(null);
      if (details.code === 'CONFLICT') setConflict(details.message);
      else store.getState().notify('error', `Could not restore: ${details.message}`);
    },
  });

  /* -------------------------------- commands ------------------------------- */
  const layout = useCallback(() => {
    const { nodes, edges } = store.getState();
    if (!nodes.some(isTaskNode)) return;
    store.getState().applyLayout(autoLayoutPositions(nodes, edges));
    requestAnimationFrame(() => void fitView(FIT_OPTIONS));
  }, [store, fitView]);

  const addNote = () => store.getState().addNote(dropPosition(undefined, NOTE_DEFAULT_SIZE));

  useEditorShortcuts(store, {
    save: () => {
      if (saveOpen) save.mutate(saveMessage);
      else setSaveOpen(true);
    },
    quickAdd: () => setQuickAddAt(dropPosition()),
    showShortcuts: () => setShortcutsOpen(true),
    fitView: () => void fitView(FIT_OPTIONS),
    autoLayout: layout,
    addNote,
    toggleSnap,
    pastePosition: () => dropPosition(undefined, { width: 0, height: 0 }),
  });

  // A node selected on the canvas brings its inspector to the front.
  const selection = useEditorStore((s) => {
    let count = 0;
    let id: string | null = null;
    let task = false;
    for (const n of s.nodes) {
      if (!n.selected) continue;
      count++;
      id = n.id;
      task = n.type === 'task';
    }
    return count === 1 && task ? id : count > 1 ? `${count}` : null;
  });
  const selectedTask = selection !== null && !/^\d+$/.test(selection) ? selection : null;
  const selectedCount = selection === null ? 0 : selectedTask ? 1 : Number(selection);
  useEffect(() => {
    if (selection !== null) setTab('properties');
  }, [selection]);

  const exportCurrent = () => {
    const document = editorGraphToDocument(store.getState());
    downloadJson(jsonFileName(document.name), document);
  };

  return (
    <div className="flex h-[calc(100dvh-3rem)] flex-col" data-testid="flow-editor">
      <header className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-slate-200 bg-white px-4 py-2.5">
        <div className="flex min-w-0 items-center gap-2.5">
          <Link
            href="/"
            className="rounded-md p-1.5 text-slate-500 hover:bg-slate-100 hover:text-slate-900"
            aria-label="All flows"
            title="All flows"
          >
            <ArrowLeftIcon />
          </Link>
          <h1
            className="max-w-[28ch] truncate text-base font-semibold tracking-tight text-slate-900"
            data-testid="flow-name"
            title={name}
          >
            {name || 'Untitled flow'}
          </h1>
          <Badge tone="accent" data-testid="flow-version" title="The saved version you are editing">
            v{baseVersion}
          </Badge>
          {dirty ? (
            <span
              className="inline-flex items-center gap-1.5 text-xs font-medium text-amber-700"
              data-testid="unsaved-indicator"
            >
              <span className="size-1.5 rounded-full bg-amber-500" />
              Unsaved changes
            </span>
          ) : (
            <span className="text-xs text-slate-400" data-testid="saved-indicator">
              All changes saved
            </span>
          )}
          <IssuesButton />
        </div>

        <div className="ml-auto flex items-center gap-1">
          <IconButton
            label="Undo (Ctrl+Z)"
            onClick={() => store.getState().undo()}
            disabled={!canUndo}
            data-testid="undo"
          >
            <UndoIcon />
          </IconButton>
          <IconButton
            label="Redo (Ctrl+Shift+Z)"
            onClick={() => store.getState().redo()}
            disabled={!canRedo}
            data-testid="redo"
          >
            <RedoIcon />
          </IconButton>
          <span className="mx-1 h-5 w-px bg-slate-200" />
          <IconButton label="Add a sticky note (N)" onClick={addNote} data-testid="add-note">
            <NoteIcon />
          </IconButton>
          <IconButton
            label="Tidy up the layout (Shift+L)"
            onClick={layout}
            data-testid="auto-layout"
          >
            <LayoutIcon />
          </IconButton>
          <IconButton
            label={snap ? 'Snap to grid: on (G)' : 'Snap to grid: off (G)'}
            onClick={toggleSnap}
            aria-pressed={snap}
            className={
              snap
                ? 'bg-indigo-50 text-indigo-600 hover:bg-indigo-100 hover:text-indigo-700'
                : undefined
            }
            data-testid="snap-toggle"
          >
            <GridIcon />
          </IconButton>
          <IconButton
            label="Zoom to fit (Shift+1)"
            onClick={() => void fitView(FIT_OPTIONS)}
            data-testid="fit-view"
          >
            <MaximizeIcon />
          </IconButton>
          <IconButton
            label="Keyboard shortcuts (?)"
            onClick={() => setShortcutsOpen(true)}
            data-testid="show-shortcuts"
          >
            <KeyboardIcon />
          </IconButton>
          <span className="mx-1 h-5 w-px bg-slate-200" />
          <SchedulesButton
            flowId={flow.id}
            params={savedDocument.params ?? {}}
            latestVersion={baseVersion}
          />
          <IconButton label="Export JSON" onClick={exportCurrent} data-testid="export-flow">
            <DownloadIcon />
          </IconButton>
          <Button
            onClick={() => setTriggersOpen(true)}
            className="ml-1"
            title="Webhook, notifications and retention"
            data-testid="open-triggers"
          >
            <ZapIcon className="size-3.5" />
            Triggers
          </Button>

          <div className="relative ml-1 flex">
            <Button
              onClick={() => requestRun({ fromForm: false })}
              pending={startRun.isPending && !runWithOpen}
              className="rounded-r-none"
              data-testid="run-flow"
              title={`Run the latest saved version (v${baseVersion}) with default parameters`}
            >
              {!(startRun.isPending && !runWithOpen) && <PlayIcon className="size-3.5" />}
              Run
            </Button>
            <Button
              onClick={() => setRunMenuOpen((o) => !o)}
              className="-ml-px rounded-l-none px-2"
              aria-label="More ways to run"
              aria-expanded={runMenuOpen}
              data-testid="run-menu"
            >
              <ChevronDownIcon className="size-3.5" />
            </Button>
            <Popover
              open={runMenuOpen}
              onClose={() => setRunMenuOpen(false)}
              label="Run options"
              className="w-64"
            >
              <MenuItem
                icon={<PlayIcon className="size-3.5" />}
                description="Fill in the flow’s parameters first"
                onClick={() => {
                  setRunMenuOpen(false);
                  requestRun({ fromForm: true });
                }}
                data-testid="run-with"
              >
                Run with…
              </MenuItem>
            </Popover>
          </div>

          <div className="relative">
            <Button
              variant="primary"
              onClick={() => setSaveOpen((o) => !o)}
              aria-expanded={saveOpen}
              data-testid="save-flow"
              title="Save a new version (Ctrl+S)"
            >
              <SaveIcon className="size-3.5" />
              Save
            </Button>
            <Popover
              open={saveOpen}
              onClose={() => setSaveOpen(false)}
              label="Save a new version"
              className="w-80 p-3"
              data-testid="save-popover"
            >
              <form
                onSubmit={(event) => {
                  event.preventDefault();
                  save.mutate(saveMessage);
                }}
              >
                <label htmlFor="save-message" className="block text-xs font-medium text-slate-700">
                  What changed? <span className="font-normal text-slate-400">optional</span>
                </label>
                <input
                  id="save-message"
                  value={saveMessage}
                  onChange={(event) => setSaveMessage(event.target.value)}
                  maxLength={500}
                  placeholder="e.g. Retry the upload three times"
                  autoComplete="off"
                  data-autofocus
                  data-testid="save-message"
                  className="mt-1.5 block h-8 w-full rounded-md border border-slate-300 px-2.5 text-[13px] placeholder:text-slate-400 focus:outline-2 focus:-outline-offset-1 focus:outline-indigo-600"
                />
                {save.isError && apiErrorDetails(save.error).code !== 'CONFLICT' && (
                  <div role="alert" className="mt-2 text-xs text-red-600" data-testid="save-error">
                    <p className="font-medium">
                      Not saved: {apiErrorDetails(save.error).message.split('\n')[0]}
                    </p>
                  </div>
                )}
                <div className="mt-3 flex items-center justify-between gap-2">
                  <span className="text-xs text-slate-500">Saves version {baseVersion + 1}</span>
                  <Button
                    type="submit"
                    variant="primary"
                    size="sm"
                    pending={save.isPending}
                    data-testid="save-confirm"
                  >
                    Save version
                  </Button>
                </div>
              </form>
            </Popover>
          </div>
        </div>
      </header>

      <div className="flex min-h-0 flex-1">
        <Palette types={types} />
        <section aria-label="Flow graph" className="relative min-w-0 flex-1 bg-slate-50">
          <EditorCanvas snapToGrid={snap} />
          {nodeCount === 0 && <EmptyCanvasHint />}
          {run && <RunBar run={run} onHide={() => setRunId(null)} />}
          <NoticeToast />
        </section>
        <aside
          className="flex w-80 shrink-0 flex-col border-l border-slate-200 bg-white"
          aria-label="Side panel"
        >
          <div className="flex border-b border-slate-200 px-2" role="tablist">
            {(
              [
                [
                  'properties',
                  selectedTask ? 'Task' : selectedCount > 1 ? 'Selection' : 'Flow settings',
                ],
                ['history', 'History'],
              ] as const
            ).map(([value, label]) => (
              <button
                key={value}
                type="button"
                role="tab"
                aria-selected={tab === value}
                onClick={() => setTab(value)}
                data-testid={`panel-tab-${value}`}
                className={cn(
                  '-mb-px border-b-2 px-3 py-2.5 text-[13px] font-medium',
                  tab === value
                    ? 'border-indigo-600 text-indigo-700'
                    : 'border-transparent text-slate-500 hover:text-slate-800',
                )}
              >
                {label}
              </button>
            ))}
          </div>
          <div className="min-h-0 flex-1 overflow-y-auto" role="tabpanel">
            {tab === 'history' ? (
              <VersionHistory
                flowId={flow.id}
                versions={versions}
                shownVersion={baseVersion}
                latestVersion={versions?.[0]?.version ?? baseVersion}
                loading={versionsLoading}
                onRestore={(version) => setRestoring(version)}
                className="w-full border-l-0"
              />
            ) : selectedTask ? (
              <NodeInspector key={selectedTask} nodeId={selectedTask} />
            ) : selectedCount > 1 ? (
              <SelectionSummary count={selectedCount} onLayout={layout} />
            ) : (
              <FlowSettingsPanel />
            )}
          </div>
        </aside>
      </div>

      <QuickAddDialog
        open={quickAddAt !== null}
        types={types}
        onClose={() => setQuickAddAt(null)}
        onPick={(type) => {
          if (quickAddAt) store.getState().addTask(type, quickAddAt);
          setQuickAddAt(null);
        }}
      />
      <ShortcutsDialog open={shortcutsOpen} onClose={() => setShortcutsOpen(false)} />
      <TriggersPanel
        flowId={flow.id}
        open={triggersOpen}
        onClose={() => setTriggersOpen(false)}
        params={savedDocument.params ?? {}}
      />
      <RunWithDialog
        open={runWithOpen}
        params={savedDocument.params ?? {}}
        version={baseVersion}
        pending={startRun.isPending}
        failure={runFailure}
        onClose={() => setRunWithOpen(false)}
        onRun={(params) => startRun.mutate({ params, fromForm: true })}
      />
      <Dialog
        open={saveFirst !== null}
        onClose={() => setSaveFirst(null)}
        title="Save before running?"
        description={`A run uses a saved version. Your changes are not saved yet; the latest saved version is v${baseVersion}.`}
        data-testid="save-before-run"
        footer={
          <>
            <Button onClick={() => setSaveFirst(null)}>Cancel</Button>
            <Button
              onClick={() => {
                const request = saveFirst;
                setSaveFirst(null);
                if (request?.fromForm) setRunWithOpen(true);
                else if (request) startRun.mutate(request);
              }}
              data-testid="run-saved-version"
            >
              Run v{baseVersion}
            </Button>
            <Button
              variant="primary"
              pending={save.isPending}
              onClick={() => saveFirst && void saveAndRun(saveFirst)}
              data-autofocus
              data-testid="save-and-run"
            >
              Save and run
            </Button>
          </>
        }
      >
        {save.isError && (
          <p role="alert" className="text-sm text-red-600">
            Not saved: {apiErrorDetails(save.error).message.split('\n')[0]}
          </p>
        )}
      </Dialog>
      <Dialog
        open={conflict !== null}
        onClose={() => setConflict(null)}
        title="Someone else saved this flow"
        description={conflict}
        data-testid="conflict-dialog"
        footer={
          <>
            <Button onClick={() => setConflict(null)} data-testid="conflict-keep-editing">
              Keep editing
            </Button>
            <Button
              variant="primary"
              onClick={() => {
                setConflict(null);
                store.getState().markSaved(store.getState().revision);
                onReload();
              }}
              data-testid="conflict-reload"
            >
              Reload their version
            </Button>
          </>
        }
      >
        <p className="text-slate-600">
          Nothing was overwritten. Reloading shows their version and drops your unsaved changes —
          copy what you want to keep first (select it and press Ctrl+C; it pastes into the reloaded
          flow).
        </p>
      </Dialog>
      <Dialog
        open={restoring !== null}
        onClose={() => setRestoring(null)}
        title={`Restore version ${restoring}?`}
        description={`Saves version ${restoring}’s document as a new version (v${baseVersion + 1}). Every version stays in the history.`}
        data-testid="restore-dialog"
        footer={
          <>
            <Button onClick={() => setRestoring(null)}>Cancel</Button>
            <Button
              variant="primary"
              pending={restore.isPending}
              onClick={() => restoring !== null && restore.mutate(restoring)}
              data-testid="restore-confirm"
            >
              Restore as v{baseVersion + 1}
            </Button>
          </>
        }
      >
        {dirty && <p className="text-amber-800">Your unsaved changes here will be discarded.</p>}
      </Dialog>
      <Dialog
        open={guard.pendingHref !== null}
        onClose={guard.stay}
        title="Leave without saving?"
        description="This flow has changes that are not saved as a version yet."
        data-testid="leave-dialog"
        footer={
          <>
            <Button onClick={guard.stay} data-autofocus data-testid="leave-stay">
              Stay
            </Button>
            <Button variant="danger" onClick={guard.leave} data-testid="leave-discard">
              Discard changes
            </Button>
          </>
        }
      />
    </div>
  );
}

function IssuesButton() {
  const byNode = useEditorOverlay((s) => s.issuesByNode);
  const other = useEditorOverlay((s) => s.otherIssues);
  const [open, setOpen] = useState(false);
  const issues = [...[...byNode.values()].flat(), ...other];
  if (issues.length === 0) return null;
  return (
    <div className="relative">
      <button
        type="button"
        onClick={() => setOpen((o) => !o)}
        className="inline-flex items-center gap-1 rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-700 ring-1 ring-red-200 ring-inset hover:bg-red-100"
        data-testid="issues-button"
        aria-expanded={open}
      >
        <AlertIcon className="size-3.5" />
        {issues.length} {issues.length === 1 ? 'problem' : 'problems'}
      </button>
      <Popover
        open={open}
        onClose={() => setOpen(false)}
        label="Problems in this flow"
        align="start"
        className="w-96 p-3 text-red-900"
      >
        <p className="mb-2 text-xs text-slate-600">Saving is refused until these are fixed.</p>
        <ErrorList issues={issues} />
      </Popover>
    </div>
  );
}

function SelectionSummary({ count, onLayout }: { count: number; onLayout: () => void }) {
  const store = useEditorStoreApi();
  return (
    <div className="space-y-3 px-4 py-5 text-sm text-slate-600" data-testid="selection-summary">
      <p className="font-medium text-slate-900">{count} items selected</p>
      <p className="text-xs leading-5">
        Drag to move them together. Copy with Ctrl+C to paste them here, into another flow, or in
        another tab.
      </p>
      <div className="flex flex-wrap gap-2">
        <Button size="sm" onClick={() => store.getState().duplicateSelection()}>
          Duplicate
        </Button>
        <Button size="sm" onClick={onLayout}>
          Tidy layout
        </Button>
        <Button size="sm" variant="danger" onClick={() => store.getState().deleteSelection()}>
          Delete
        </Button>
      </div>
    </div>
  );
}

function EmptyCanvasHint() {
  return (
    <div
      className="pointer-events-none absolute inset-0 flex items-center justify-center"
      data-testid="empty-graph"
    >
      <div className="max-w-sm rounded-xl border border-dashed border-slate-300 bg-white/80 px-6 py-5 text-center backdrop-blur-[1px]">
        <p className="font-medium text-slate-900">Start by adding a task</p>
        <p className="mt-1.5 text-sm leading-6 text-slate-600">
          Drag one from the palette, or press{' '}
          <kbd className="rounded border border-slate-300 bg-slate-50 px-1">/</kbd> to search.
          Connect tasks by dragging from one handle to another.
        </p>
      </div>
    </div>
  );
}

function NoticeToast() {
  const notice = useEditorStore((s) => s.notice);
  const store = useEditorStoreApi();
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(
      () => store.getState().dismissNotice(),
      notice.tone === 'error' ? 8000 : 3000,
    );
    return () => clearTimeout(timer);
  }, [notice, store]);
  if (!notice) return null;
  return (
    <div
      key={notice.id}
      role={notice.tone === 'error' ? 'alert' : 'status'}
      data-testid="editor-notice"
      data-tone={notice.tone}
      className={cn(
        'absolute bottom-5 left-1/2 z-20 flex max-w-xl -translate-x-1/2 items-start gap-2 rounded-lg px-3.5 py-2.5 text-[13px] shadow-lg',
        notice.tone === 'error' ? 'bg-red-600 text-white' : 'bg-slate-900 text-white',
      )}
    >
      {notice.tone === 'error' && <AlertIcon className="mt-0.5 size-4 shrink-0" />}
      <span>{notice.text}</span>
      <button
        type="button"
        aria-label="Dismiss"
        onClick={() => store.getState().dismissNotice()}
        className="-m-0.5 ml-1 rounded p-0.5 opacity-70 hover:opacity-100"
      >
        <XIcon className="size-3.5" />
      </button>
    </div>
  );
}
