'use client';

import { useEffect, useMemo, useState } from 'react';
import { IconButton } from '@/app/_components/button';
import { TrashIcon } from '@/app/_components/icons';
import { TaskTypeIcon } from '@/app/_components/task-type-icon';
import type { DocumentIssue, FlowNode } from '@/server/engine/document';
import { useCatalog } from './catalog-context';
import { ConfigFieldInput } from './config-form';
import { configFields } from './config-schema';
import { isTaskNode, upstreamNodeIds } from './editor-graph';
import { useEditorOverlay, useEditorStore, useEditorStoreApi } from './editor-store';
import { Field, NumberInput, PanelSection, Select, Switch, TextInput } from './form-controls';
import { useSettingsSuggestions } from './use-settings-suggestions';

const NO_ISSUES: DocumentIssue[] = [];

/** Returns `object` with `key` set, or removed when `value` is undefined. */
function setKey<T extends object>(object: T, key: string, value: unknown): T {
  const next = { ...object } as Record<string, unknown>;
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next as T;
}

/** Messages of the issues at `field` (e.g. `config.url`, `retry`) or inside it. */
function messagesAt(issues: readonly DocumentIssue[], nodeId: string, field: string): string[] {
  const prefix = `nodes.${nodeId}.${field}`;
  return issues
    .filter((i) => i.path === prefix || i.path.startsWith(`${prefix}.`))
    .map((i) => i.message);
}

/** The selected task: name and id, its type's config form, and its run settings. */
export function NodeInspector({ nodeId }: { nodeId: string }) {
  const store = useEditorStoreApi();
  const node = useEditorStore((s) => {
    const found = s.nodes.find((n) => n.id === nodeId);
    return found && isTaskNode(found) ? found.data.node : undefined;
  });
  const issues = useEditorOverlay((s) => s.issuesByNode.get(nodeId)) ?? NO_ISSUES;
  const params = useEditorStore((s) => s.meta.params);
  const edges = useEditorStore((s) => s.edges);
  const definition = useCatalog().get(node?.type ?? '');
  const fields = useMemo(() => (definition ? configFields(definition) : []), [definition]);
  const settingsSuggestions = useSettingsSuggestions();
  const suggestions = useMemo(
    () => [
      ...Object.keys(params ?? {}).map((p) => `params.${p}`),
      ...upstreamNodeIds(edges, nodeId).map((id) => `nodes.${id}.output`),
      ...settingsSuggestions,
    ],
    [params, edges, nodeId, settingsSuggestions],
  );

  if (!node) return null;
  const update = (change: (node: FlowNode) => FlowNode, field: string) =>
    store.getState().updateTask(nodeId, change, `task:${nodeId}:${field}`);
  const config = node.config ?? {};
  const language = config.language === 'typescript' ? 'typescript' : 'javascript';
  const knownFieldPaths = new Set(fields.map((f) => `nodes.${nodeId}.config.${f.key}`));
  const generalIssues = issues.filter(
    (i) =>
      ![...knownFieldPaths].some((p) => i.path === p || i.path.startsWith(`${p}.`)) &&
      !/^nodes\.[^.]+\.(retry|cache|timeoutSeconds|concurrencyTag|pool|name)(\.|$)/.test(i.path),
  );

  return (
    <div data-testid="node-inspector" data-node-id={nodeId}>
      <div className="flex items-start gap-3 border-b border-slate-200 px-4 py-4">
        <div className="flex size-9 shrink-0 items-center justify-center rounded-md bg-indigo-50 text-indigo-600 ring-1 ring-indigo-100 ring-inset">
          <TaskTypeIcon type={node.type} glyph={definition?.icon} />
        </div>
        <div className="min-w-0 flex-1">
          <div className="text-sm font-semibold text-slate-900">
            {definition?.title ?? `Unknown type “${node.type}”`}
          </div>
          <p className="mt-0.5 text-xs leading-5 text-slate-500">
            {definition?.description ??
              'This server has no such task type; the node is kept as it is.'}
          </p>
        </div>
        <IconButton
          label="Delete task"
          className="hover:bg-red-50 hover:text-red-600"
          onClick={() => store.getState().deleteNode(nodeId)}
          data-testid="delete-node"
        >
          <TrashIcon />
        </IconButton>
      </div>

      {generalIssues.length > 0 && (
        <div
          role="alert"
          className="mx-4 mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-xs text-red-800"
          data-testid="inspector-issues"
        >
          {generalIssues.map((issue, i) => (
            <p key={i}>
              {issue.path.replace(/^nodes\.[^.]+\.?/, '') && (
                <code className="mr-1 font-mono">{issue.path.replace(/^nodes\.[^.]+\.?/, '')}</code>
              )}
              {issue.message}
            </p>
          ))}
        </div>
      )}

      <PanelSection title="Task">
        <Field label="Name" htmlFor="node-name" optional>
          <TextInput
            id="node-name"
            value={node.name ?? ''}
            placeholder={node.id}
            onChange={(name) =>
              update((n) => setKey(n, 'name', name === '' ? undefined : name), 'name')
            }
            data-testid="node-name"
          />
        </Field>
        <NodeIdField nodeId={nodeId} />
      </PanelSection>

      <PanelSection title="Configuration">
        {fields.length === 0 && (
          <p className="text-xs text-slate-500">This type has no settings of its own.</p>
        )}
        {fields.map((field) => (
          <ConfigFieldInput
            key={field.key}
            field={field}
            value={config[field.key]}
            errors={messagesAt(issues, nodeId, `config.${field.key}`)}
            suggestions={suggestions}
            language={language}
            onChange={(value) =>
              update(
                (n) => ({ ...n, config: setKey(n.config ?? {}, field.key, value) }),
                `config.${field.key}`,
              )
            }
          />
        ))}
        {suggestions.length > 0 && fields.some((f) => f.kind === 'text' || f.kind === 'number') && (
          <p className="text-xs text-slate-500">
            Type <code className="rounded bg-slate-100 px-1 font-mono">{'{{'}</code> in a field to
            use a parameter, an upstream task’s output, a variable or a secret.
          </p>
        )}
      </PanelSection>

      <NodeSettings node={node} issues={issues} update={update} />
    </div>
  );
}

function NodeIdField({ nodeId }: { nodeId: string }) {
  const store = useEditorStoreApi();
  const [draft, setDraft] = useState(nodeId);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDraft(nodeId);
    setError(null);
  }, [nodeId]);
  const commit = () => {
    const next = draft.trim();
    const problem = store.getState().renameTask(nodeId, next);
    setError(problem);
  };
  return (
    <Field
      label="ID"
      htmlFor="node-id"
      hint="Used in templates: {{ nodes.ID.output }}"
      errors={error ? [error] : undefined}
    >
      <TextInput
        id="node-id"
        value={draft}
        mono
        invalid={error !== null}
        onChange={(value) => {
          setDraft(value);
          setError(null);
        }}
        onBlur={commit}
        onKeyDown={(event) => {
          if (event.key === 'Enter') commit();
          if (event.key === 'Escape') {
            setDraft(nodeId);
            setError(null);
          }
        }}
        data-testid="node-id"
      />
    </Field>
  );
}

/** Drops a policy object once nothing is left in it (the document stays as the user set it). */
function compact<T extends object>(value: T): T | undefined {
  return Object.keys(value).length === 0 ? undefined : value;
}

function NodeSettings({
  node,
  issues,
  update,
}: {
  node: FlowNode;
  issues: readonly DocumentIssue[];
  update: (change: (node: FlowNode) => FlowNode, field: string) => void;
}) {
  const retry = node.retry ?? {};
  const cache = node.cache;
  const at = (field: string) => messagesAt(issues, node.id, field);
  const setRetry = (key: string, value: unknown) =>
    update((n) => setKey(n, 'retry', compact(setKey(n.retry ?? {}, key, value))), `retry.${key}`);
  const setCache = (key: string, value: unknown) =>
    update((n) => {
      const next = setKey(n.cache ?? { enabled: false }, key, value);
      const untouched =
        !next.enabled && next.ttlSeconds === undefined && next.version === undefined;
      return setKey(n, 'cache', untouched ? undefined : next);
    }, `cache.${key}`);

  return (
    <PanelSection title="Run settings">
      <fieldset className="space-y-3" data-testid="retry-settings">
        <legend className="mb-2 text-xs font-medium text-slate-800">Retry</legend>
        <div className="grid grid-cols-2 gap-3">
          <Field label="Retries" htmlFor="retry-retries" errors={at('retry.retries')}>
            <NumberInput
              id="retry-retries"
              integer
              min={0}
              max={100}
              placeholder="0"
              value={retry.retries}
              onChange={(v) => setRetry('retries', v)}
              data-testid="retry-retries"
            />
          </Field>
          <Field label="Delay (s)" htmlFor="retry-delay" errors={at('retry.delaySeconds')}>
            <NumberInput
              id="retry-delay"
              min={0}
              placeholder="1"
              value={retry.delaySeconds}
              onChange={(v) => setRetry('delaySeconds', v)}
              data-testid="retry-delay"
            />
          </Field>
          <Field label="Backoff" htmlFor="retry-backoff" errors={at('retry.backoff')}>
            <Select
              id="retry-backoff"
              value={retry.backoff}
              emptyLabel="Default (fixed)"
              options={[
                { value: 'fixed', label: 'Fixed' },
                { value: 'exponential', label: 'Exponential' },
              ]}
              onChange={(v) => setRetry('backoff', v)}
              data-testid="retry-backoff"
            />
          </Field>
          <Field label="Jitter (0–1)" htmlFor="retry-jitter" errors={at('retry.jitter')}>
            <NumberInput
              id="retry-jitter"
              min={0}
              max={1}
              step={0.05}
              placeholder="0"
              value={retry.jitter}
              onChange={(v) => setRetry('jitter', v)}
              data-testid="retry-jitter"
            />
          </Field>
        </div>
      </fieldset>

      <fieldset className="space-y-3 pt-2" data-testid="cache-settings">
        <legend className="mb-2 flex w-full items-center justify-between text-xs font-medium text-slate-800">
          Cache
        </legend>
        <div className="flex items-center justify-between gap-3">
          <span className="text-xs text-slate-600">
            Reuse the output when type, config and inputs match
          </span>
          <Switch
            checked={cache?.enabled === true}
            label="Cache enabled"
            onChange={(enabled) => setCache('enabled', enabled)}
            data-testid="cache-enabled"
          />
        </div>
        {cache && (
          <div className="grid grid-cols-2 gap-3">
            <Field
              label="Keep for (s)"
              htmlFor="cache-ttl"
              errors={at('cache.ttlSeconds')}
              optional
            >
              <NumberInput
                id="cache-ttl"
                integer
                min={1}
                value={cache.ttlSeconds}
                onChange={(v) => setCache('ttlSeconds', v)}
                data-testid="cache-ttl"
              />
            </Field>
            <Field label="Version" htmlFor="cache-version" errors={at('cache.version')} optional>
              <TextInput
                id="cache-version"
                value={cache.version === undefined ? '' : String(cache.version)}
                onChange={(v) => setCache('version', v === '' ? undefined : v)}
                data-testid="cache-version"
              />
            </Field>
          </div>
        )}
      </fieldset>

      <div className="grid grid-cols-2 gap-3 pt-2">
        <Field label="Timeout (s)" htmlFor="node-timeout" errors={at('timeoutSeconds')} optional>
          <NumberInput
            id="node-timeout"
            min={0}
            value={node.timeoutSeconds}
            onChange={(v) => update((n) => setKey(n, 'timeoutSeconds', v), 'timeoutSeconds')}
            data-testid="node-timeout"
          />
        </Field>
        <Field label="Concurrency tag" htmlFor="node-tag" errors={at('concurrencyTag')} optional>
          <TextInput
            id="node-tag"
            value={node.concurrencyTag ?? ''}
            placeholder="warehouse"
            onChange={(v) =>
              update((n) => setKey(n, 'concurrencyTag', v === '' ? undefined : v), 'concurrencyTag')
            }
            data-testid="node-tag"
          />
        </Field>
        <Field label="Worker pool" htmlFor="node-pool" errors={at('pool')} optional>
          <TextInput
            id="node-pool"
            value={node.pool ?? ''}
            placeholder="default"
            onChange={(v) => update((n) => setKey(n, 'pool', v === '' ? undefined : v), 'pool')}
            data-testid="node-pool"
          />
        </Field>
      </div>
    </PanelSection>
  );
}
