import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import type { FlowDocument } from '@/server/engine/document';
import { parseParamString } from '@/server/engine/params';
import { isTerminalFlowState } from '@/server/engine/states';
import type { FlowRunDetail } from '@/server/runs/queries';
import type { Credentials } from './credentials';
import { CliError, type CliIO, splitAssignment } from './output';
import { remote, remoteApi } from './remote';
import { summarize } from './run';

/*
 * The commands that talk to a server over tRPC with an API key, when the
 * CLI is logged in (or PIPEWRIGHT_URL/PIPEWRIGHT_API_KEY are set). They do
 * what the local commands do, with the key's role: a viewer's key cannot run.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function remoteWhoAmI(credentials: Credentials) {
  const api = remoteApi(credentials);
  return remote(credentials, () => api.account.me.query());
}

export async function remoteListFlows(credentials: Credentials) {
  const api = remoteApi(credentials);
  return remote(credentials, () => api.flows.list.query({}));
}

export async function remoteImportFlow(
  credentials: Credentials,
  input: { document: unknown; message?: string },
) {
  const api = remoteApi(credentials);
  return remote(credentials, () => api.flows.import.mutate(input));
}

export async function remoteExportFlow(
  credentials: Credentials,
  input: { id: string; version?: number },
) {
  const api = remoteApi(credentials);
  return remote(credentials, () => api.flows.export.query(input));
}

export async function remoteDecide(
  credentials: Credentials,
  input: {
    runId: string;
    nodeId: string;
    decision: 'approve' | 'reject';
    comment?: string;
    values: Record<string, unknown>;
  },
) {
  const api = remoteApi(credentials);
  const run = await remote(credentials, () => api.runs.get.query({ id: input.runId }));
  const task = run.tasks.find((t) => t.nodeId === input.nodeId);
  if (!task) throw new CliError(`run ${input.runId} has no node "${input.nodeId}"`);
  await remote(credentials, () =>
    api.runs.decide.mutate({
      taskRunId: task.id,
      decision: input.decision,
      comment: input.comment,
      values: input.values,
    }),
  );
}

/** `pipewright run` against a server: save or import the document, start, follow to the end. */
export async function remoteRun(
  credentials: Credentials,
  target: string,
  options: { params: string[]; json: boolean; refreshCache: boolean },
  io: CliIO,
): Promise<number> {
  const api = remoteApi(credentials);
  const call = <T>(fn: () => Promise<T>) => remote(credentials, fn);
  const quiet = options.json;
  const flow = await resolveRemoteFlow(credentials, target, io, quiet);
  const params: Record<string, unknown> = {};
  for (const pair of options.params) {
    const [name, raw] = splitAssignment('--param', pair);
    params[name] = parseParamString(flow.document, name, raw);
  }
  const { id } = await call(() =>
    api.runs.start.mutate({
      flowId: flow.id,
      params,
      refreshCache: options.refreshCache,
      trigger: 'cli',
    }),
  );
  if (!quiet)
    io.out(`Run ${id} of "${flow.document.name}" v${flow.version} started on ${credentials.url}`);

  // The server's state, polled: a line per task state change, then its logs.
  const seen = new Map<string, string>();
  let afterLog = 0;
  let run: FlowRunDetail;
  for (;;) {
    run = await call(() => api.runs.get.query({ id }));
    if (!quiet) {
      const names = new Map(run.tasks.map((t) => [t.id, t.nodeId]));
      for (const task of run.tasks) {
        const mark = `${task.state}:${task.attempt}`;
        if (seen.get(task.id) === mark) continue;
        seen.set(task.id, mark);
        const reason = task.stateReason && task.state !== 'pending' ? ` — ${task.stateReason}` : '';
        io.out(
          `${clock(new Date())}  ${task.nodeId} ${task.state}${task.attempt ? ` (attempt ${task.attempt})` : ''}${reason}`,
        );
      }
      const logs = await call(() =>
        api.runs.logs.query({ runId: id, afterId: afterLog, limit: 5000 }),
      );
      for (const line of logs) {
        const node = (line.taskRunId && names.get(line.taskRunId)) ?? 'run';
        const level = line.level === 'info' ? '' : `${line.level.toUpperCase()} `;
        io.out(`${clock(line.at)}  ${node} │ ${level}${line.message}`);
      }
      afterLog = logs.at(-1)?.id ?? afterLog;
    }
    if (isTerminalFlowState(run.state)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (options.json) io.out(JSON.stringify(summarize(run), null, 2));
  else io.out(`Run ${run.state}${run.stateReason ? `: ${run.stateReason}` : ''}`);
  return run.state === 'completed' ? 0 : 1;
}

function clock(at: Date): string {
  return at.toISOString().slice(11, 23);
}

/** A flow id, or a document saved by name (a new version only if it changed). */
async function resolveRemoteFlow(
  credentials: Credentials,
  target: string,
  io: CliIO,
  quiet: boolean,
): Promise<{ id: string; version: number; document: FlowDocument }> {
  const api = remoteApi(credentials);
  const call = <T>(fn: () => Promise<T>) => remote(credentials, fn);
  if (UUID.test(target)) {
    const flow = await call(() => api.flows.get.query({ id: target }));
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
  const matches =
    typeof name === 'string' ? await call(() => api.flows.list.query({ search: name.trim() })) : [];
  const existing = matches.find((f) => f.name.toLowerCase() === name?.trim().toLowerCase());
  if (existing) {
    const current = await call(() => api.flows.get.query({ id: existing.id }));
    if (isDeepStrictEqual(current.version.document, document)) {
      return {
        id: current.id,
        version: current.version.version,
        document: current.version.document,
      };
    }
    const saved = await call(() =>
      api.flows.update.mutate({
        id: existing.id,
        baseVersion: current.latestVersion,
        document,
        message: `Saved by pipewright run from ${target}`,
      }),
    );
    if (!quiet)
      io.out(`Saved ${target} as version ${saved.version.version} of "${saved.flow.name}"`);
    return { id: existing.id, version: saved.version.version, document: saved.version.document };
  }
  const imported = await call(() =>
    api.flows.import.mutate({ document, message: `Imported by pipewright run from ${target}` }),
  );
  const flow = await call(() => api.flows.get.query({ id: imported.flow.id }));
  if (!quiet) io.out(`Imported ${target} as "${flow.name}" (${flow.id})`);
  return { id: flow.id, version: flow.version.version, document: flow.version.document };
}
