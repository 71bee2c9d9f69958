import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { and, isNull, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flows } from '@/db/schema';
import { bootRuntime } from '@/server/boot';
import type { FlowDocument } from '@/server/engine/document';
import { parseParamString } from '@/server/engine/params';
import { isTerminalFlowState } from '@/server/engine/states';
import { startFlowRun } from '@/server/execution/start';
import { getFlow } from '@/server/flows/get';
import { importFlow } from '@/server/flows/import';
import { updateFlow } from '@/server/flows/update';
import {
  type FlowRunDetail,
  getFlowRun,
  listRunLogs,
  listRunTransitions,
} from '@/server/runs/queries';
import type { TaskCatalog } from '@/server/tasks/catalog';
import { engineDeps } from '@/server/worker';
import { CliError, type CliIO, splitAssignment } from './output';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `pipewright run <flow.json | flow-id>`: runs a flow to the end with an
 * in-process worker (other workers on the same database may share the
 * work), printing state changes and logs as they happen.
 */
export async function runCommand(
  target: string,
  options: { params: string[]; json: boolean; refreshCache: boolean },
  io: CliIO,
): Promise<number> {
  const quiet = options.json;
  const booted = await bootRuntime({ worker: true, reuseRunningEmbedded: true, log: () => {} });
  try {
    const { db } = booted.runtime;
    const flow = await resolveFlow(db, booted.runtime.catalog, target, io, quiet);
    const params: Record<string, unknown> = {};
    for (const pair of options.params) {
      const [name, raw] = splitAssignment('--param', pair);
      params[name] = parseParamString(flow.document, name, raw);
    }
    const { id } = await startFlowRun(engineDeps(booted.runtime), {
      flowId: flow.id,
      params,
      trigger: 'cli',
      refreshCache: options.refreshCache,
    });
    if (!quiet) io.out(`Run ${id} of "${flow.document.name}" v${flow.version} started`);

    const nodeNames = new Map<string, string>();
    let afterTransition = 0;
    let afterLog = 0;
    let run: FlowRunDetail;
    for (;;) {
      run = await getFlowRun(db, id);
      if (!quiet) {
        for (const task of run.tasks) nodeNames.set(task.id, task.nodeId);
        const transitions = await listRunTransitions(db, { runId: id, afterId: afterTransition });
        const logs = await listRunLogs(db, { runId: id, afterId: afterLog });
        const lines = [
          ...transitions.map((tr) => ({
            at: tr.at,
            text: `${(tr.taskRunId ? nodeNames.get(tr.taskRunId) : 'run') ?? '?'} ${tr.toState}${tr.attempt ? ` (attempt ${tr.attempt})` : ''}${tr.reason && tr.toState !== 'pending' ? ` — ${tr.reason}` : ''}`,
          })),
          ...logs.map((l) => ({
            at: l.at,
            text: `${(l.taskRunId && nodeNames.get(l.taskRunId)) ?? 'run'} │ ${l.level === 'info' ? '' : `${l.level.toUpperCase()} `}${l.message}`,
          })),
        ].sort((a, b) => a.at.getTime() - b.at.getTime());
        for (const line of lines) io.out(`${line.at.toISOString().slice(11, 23)}  ${line.text}`);
        afterTransition = transitions.at(-1)?.id ?? afterTransition;
        afterLog = logs.at(-1)?.id ?? afterLog;
      }
      if (isTerminalFlowState(run.state)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (options.json) {
      io.out(JSON.stringify(summarize(run), null, 2));
    } else {
      io.out(`Run ${run.state}${run.stateReason ? `: ${run.stateReason}` : ''}`);
    }
    return run.state === 'completed' ? 0 : 1;
  } finally {
    await booted.shutdown();
  }
}

async function resolveFlow(
  db: Database,
  catalog: TaskCatalog,
  target: string,
  io: CliIO,
  quiet: boolean,
) {
  if (UUID.test(target)) {
    const flow = await getFlow(db, { id: target });
    return { id: flow.id, version: flow.version.version, document: flow.version.document };
  }
  let document: unknown;
  try {
    document = JSON.parse(await readFile(target, 'utf8'));
  } catch (err) {
    throw new CliError(
      `${target} is neither a flow id nor a readable flow document: ${(err as Error).message}`,
    );
  }
  const name = (document as Partial<FlowDocument>)?.name;
  const [existing] =
    typeof name === 'string'
      ? await db
          .select({ id: flows.id })
          .from(flows)
          .where(and(sql`lower(${flows.name}) = lower(${name.trim()})`, isNull(flows.deletedAt)))
      : [];
  if (existing) {
    const current = await getFlow(db, { id: existing.id });
    if (isDeepStrictEqual(current.version.document, document)) {
      return {
        id: existing.id,
        version: current.version.version,
        document: current.version.document,
      };
    }
    const saved = await updateFlow(db, catalog, {
      id: existing.id,
      baseVersion: current.latestVersion,
      document,
      message: `Saved by pipewright run from ${target}`,
    });
    if (!quiet)
      io.out(`Saved ${target} as version ${saved.version.version} of "${saved.flow.name}"`);
    return { id: existing.id, version: saved.version.version, document: saved.version.document };
  }
  const imported = await importFlow(db, catalog, {
    document,
    message: `Imported by pipewright run from ${target}`,
  });
  const flow = await getFlow(db, { id: imported.flow.id });
  if (!quiet) io.out(`Imported ${target} as "${flow.name}" (${flow.id})`);
  return { id: flow.id, version: flow.version.version, document: flow.version.document };
}

/** The run as one JSON object: what scripts and CI want to read. */
export function summarize(run: FlowRunDetail) {
  return {
    id: run.id,
    flow: { id: run.flowId, name: run.flowName, version: run.version },
    state: run.state,
    reason: run.stateReason,
    params: run.params,
    trigger: run.trigger,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    tasks: Object.fromEntries(
      run.tasks.map((t) => [
        t.nodeId,
        {
          type: t.nodeType,
          state: t.state,
          reason: t.stateReason,
          attempts: t.attempts.map((a) => ({
            attempt: a.attempt,
            state: a.state,
            startedAt: a.startedAt,
            endedAt: a.endedAt,
            error: a.error?.message ?? null,
          })),
          output: t.output,
          error: t.error?.message ?? null,
          cachedFrom: t.cachedFromTaskRunId,
        },
      ]),
    ),
  };
}
