'use client';

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { Alert } from '@/app/_components/alert';
import { Button } from '@/app/_components/button';
import { EmptyState } from '@/app/_components/empty-state';
import {
  ChevronDownIcon,
  FileTemplateIcon,
  PlusIcon,
  SearchIcon,
  SparklesIcon,
  UploadIcon,
  WorkflowIcon,
  XIcon,
} from '@/app/_components/icons';
import { MenuItem, Popover } from '@/app/_components/popover';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { useCan } from '@/app/_lib/session';
import { useTaskCatalog } from '@/app/_lib/task-catalog';
import { type FlowTemplate, flowTemplates, templateTaskTypes } from '@/app/_lib/templates';
import { useTRPC } from '@/app/_lib/trpc';
import { useExportFlow } from '@/app/_lib/use-export-flow';
import { DeleteFlowDialog, type FlowToDelete } from './delete-flow-dialog';
import { exampleFlowDocument } from './example-flow';
import { type FlowListItem, FlowsTable, FlowsTableSkeleton } from './flows-table';
import { ImportFailureAlert } from './import-failure-alert';
import { NewFlowDialog } from './new-flow-dialog';
import { type FlowToRename, RenameFlowDialog } from './rename-flow-dialog';
import { useImportFlow } from './use-import-flow';

interface Notice {
  tone: 'success' | 'error';
  title: ReactNode;
}

function useDebouncedValue<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

function FlowLink({ id, name }: { id: string; name: string }) {
  return (
    <Link href={`/flows/${id}`} className="underline decoration-current/40 underline-offset-2">
      {name}
    </Link>
  );
}

/** The flows list: search, create, import, and per-flow rename/duplicate/export/delete. */
export function FlowsListPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const fileInput = useRef<HTMLInputElement>(null);

  const [search, setSearch] = useState('');
  const searchTerm = useDebouncedValue(search.trim(), 200);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<FlowToRename | null>(null);
  const [deleting, setDeleting] = useState<FlowToDelete | null>(null);
  // Set by the button that opened the file picker: the empty state opens the imported flow.
  const openAfterImport = useRef(false);

  const list = useQuery(
    trpc.flows.list.queryOptions(searchTerm ? { search: searchTerm } : undefined, {
      placeholderData: keepPreviousData,
    }),
  );

  const importer = useImportFlow((flow) => {
    if (openAfterImport.current) {
      router.push(`/flows/${flow.id}`);
      return;
    }
    setNotice({
      tone: 'success',
      title:
        flow.name === flow.requestedName ? (
          <>
            Imported <FlowLink id={flow.id} name={flow.name} />.
          </>
        ) : (
          <>
            Imported as <FlowLink id={flow.id} name={flow.name} />: a flow named “
            {flow.requestedName}” already exists.
          </>
        ),
    });
  });

  const duplicate = useMutation(
    trpc.flows.duplicate.mutationOptions({
      onSuccess: async (copy, { id }) => {
        await queryClient.invalidateQueries(trpc.flows.pathFilter());
        const source = list.data?.find((f) => f.id === id)?.name ?? 'the flow';
        setNotice({
          tone: 'success',
          title: (
            <>
              Duplicated “{source}” as <FlowLink id={copy.id} name={copy.name} />.
            </>
          ),
        });
      },
      onError: (error) =>
        setNotice({
          tone: 'error',
          title: `Could not duplicate: ${apiErrorDetails(error).message}`,
        }),
    }),
  );
  const exporter = useExportFlow();

  const busyIds = new Set<string>();
  if (duplicate.isPending && duplicate.variables) busyIds.add(duplicate.variables.id);
  if (exporter.isPending && exporter.variables) busyIds.add(exporter.variables.id);

  const flows: FlowListItem[] = list.data ?? [];
  const showEmptyState = list.isSuccess && !list.isPlaceholderData && !searchTerm && !flows.length;
  const showActions = list.isSuccess && !showEmptyState;
  // Viewers read and export; creating, importing and editing are for editors.
  const canEdit = useCan('editor');

  const pickFile = (open: boolean) => {
    openAfterImport.current = open;
    fileInput.current?.click();
  };
  const startFromTemplate = (template: FlowTemplate) => {
    openAfterImport.current = true;
    void importer.importDocument(template.document, `The “${template.title}” template`);
  };
  const startFromExample = () => {
    openAfterImport.current = true;
    void importer.importDocument(exampleFlowDocument, 'The example flow');
  };

  return (
    <div className="mx-auto max-w-6xl px-6 py-8">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight text-slate-900">Flows</h1>
          <p className="mt-1 text-sm text-slate-600">
            Pipelines of tasks, saved as versioned documents you can open, export and share.
          </p>
        </div>
        {showActions && canEdit && (
          <div className="flex gap-2">
            <Button onClick={() => pickFile(false)} pending={importer.pending}>
              {!importer.pending && <UploadIcon />}
              Import
            </Button>
            <TemplateMenu onPick={startFromTemplate} disabled={importer.pending} />
            <Button variant="primary" onClick={() => setCreating(true)} data-testid="new-flow">
              <PlusIcon />
              New flow
            </Button>
          </div>
        )}
      </div>

      {/* One file input for every Import button; reset so the same file can be picked again. */}
      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json"
        className="sr-only"
        tabIndex={-1}
        aria-label="Flow document to import (.json)"
        data-testid="import-flow"
        onChange={(event) => {
          const file = event.currentTarget.files?.[0];
          event.currentTarget.value = '';
          setNotice(null);
          if (file) void importer.importFile(file);
        }}
      />

      <div className="mt-6 space-y-3 empty:hidden">
        {importer.failure && (
          <ImportFailureAlert failure={importer.failure} onDismiss={importer.dismissFailure} />
        )}
        {notice && (
          <Alert tone={notice.tone} title={notice.title} onDismiss={() => setNotice(null)} />
        )}
        {exporter.isError && (
          <Alert
            tone="error"
            title={`Could not export: ${apiErrorDetails(exporter.error).message}`}
            onDismiss={() => exporter.reset()}
          />
        )}
      </div>

      {showActions && (
        <div className="relative mt-6 max-w-sm">
          <SearchIcon className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-slate-400" />
          <input
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder="Search flows by name"
            aria-label="Search flows by name"
            className="block h-9 w-full rounded-md border border-slate-300 bg-white pr-3 pl-9 text-sm text-slate-900 shadow-xs placeholder:text-slate-400 focus:outline-2 focus:-outline-offset-1 focus:outline-indigo-600"
            data-testid="search-flows"
          />
        </div>
      )}

      <div className="mt-4">
        {list.isPending ? (
          <FlowsTableSkeleton />
        ) : list.isError ? (
          <Alert tone="error" title="The flows could not be loaded">
            <p>{apiErrorDetails(list.error).message}</p>
            <Button size="sm" className="mt-3" onClick={() => void list.refetch()}>
              Try again
            </Button>
          </Alert>
        ) : showEmptyState ? (
          <div className="rounded-xl border border-dashed border-slate-300 bg-white">
            <EmptyState
              icon={<WorkflowIcon className="size-5" />}
              title="No flows yet"
              data-testid="flows-empty"
              actions={
                canEdit && (
                  <>
                    <Button
                      variant="primary"
                      onClick={() => setCreating(true)}
                      data-testid="new-flow"
                    >
                      <PlusIcon />
                      New flow
                    </Button>
                    <TemplateMenu onPick={startFromTemplate} disabled={importer.pending} />
                    <Button onClick={() => pickFile(true)} pending={importer.pending}>
                      {!importer.pending && <UploadIcon />}
                      Import a .json file
                    </Button>
                    <Button
                      variant="ghost"
                      onClick={startFromExample}
                      disabled={importer.pending}
                      data-testid="start-from-example"
                    >
                      <SparklesIcon />
                      Start from an example
                    </Button>
                  </>
                )
              }
            >
              Pipewright runs pipelines of tasks — code, HTTP calls, branches and delays wired into
              a graph — with retries, caching and schedules, durably on PostgreSQL. Create an empty
              flow, import a flow document, or open a small example to see one drawn.
            </EmptyState>
          </div>
        ) : flows.length === 0 ? (
          <div className="rounded-xl border border-slate-200 bg-white" data-testid="flows-no-match">
            <EmptyState
              icon={<SearchIcon className="size-5" />}
              title={`No flows match “${searchTerm}”`}
              actions={
                <Button onClick={() => setSearch('')}>
                  <XIcon />
                  Clear search
                </Button>
              }
            >
              The search looks at flow names.
            </EmptyState>
          </div>
        ) : (
          <FlowsTable
            flows={flows}
            canEdit={canEdit}
            busyIds={busyIds}
            onRename={(flow) => setRenaming({ id: flow.id, name: flow.name })}
            onDuplicate={(flow) => {
              setNotice(null);
              duplicate.mutate({ id: flow.id });
            }}
            onExport={(flow) => exporter.mutate({ id: flow.id })}
            onDelete={(flow) => setDeleting({ id: flow.id, name: flow.name })}
          />
        )}
      </div>

      <NewFlowDialog open={creating} onClose={() => setCreating(false)} />
      <RenameFlowDialog
        flow={renaming}
        onClose={() => setRenaming(null)}
        onRenamed={(from, to) => {
          setRenaming(null);
          setNotice({ tone: 'success', title: `Renamed “${from}” to “${to}”.` });
        }}
      />
      <DeleteFlowDialog
        flow={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(name) => {
          setDeleting(null);
          setNotice({ tone: 'success', title: `Deleted “${name}”.` });
        }}
      />
    </div>
  );
}

/** "New flow from template": each template opens as a new flow, ready to edit. */
function TemplateMenu({
  onPick,
  disabled,
}: {
  onPick: (template: FlowTemplate) => void;
  disabled: boolean;
}) {
  const [open, setOpen] = useState(false);
  const catalog = useTaskCatalog();
  const known = new Set(catalog.data?.map((t) => t.type));
  return (
    <div className="relative">
      <Button
        onClick={() => setOpen((o) => !o)}
        disabled={disabled}
        aria-expanded={open}
        data-testid="new-from-template"
      >
        <FileTemplateIcon />
        From template
        <ChevronDownIcon className="size-3.5 text-slate-400" />
      </Button>
      <Popover
        open={open}
        onClose={() => setOpen(false)}
        label="New flow from a template"
        className="w-80 text-left"
      >
        {flowTemplates.map((template) => {
          const missing = catalog.data
            ? templateTaskTypes(template).filter((type) => !known.has(type))
            : [];
          return (
            <MenuItem
              key={template.slug}
              data-testid={`template-${template.slug}`}
              disabled={missing.length > 0}
              description={
                missing.length > 0
                  ? `Needs task types this server lacks: ${missing.join(', ')}`
                  : template.description
              }
              onClick={() => {
                setOpen(false);
                onPick(template);
              }}
            >
              {template.title}
            </MenuItem>
          );
        })}
      </Popover>
    </div>
  );
}
