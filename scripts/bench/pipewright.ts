/**
 * The Pipewright side of the benchmarks, through public surfaces only: boot
 * a runtime (with or without its in-process worker), import a flow and start
 * runs through the tRPC caller, spawn `pipewright worker` processes, and read
 * timings back from the database (task_runs, task_attempts, flow_runs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createCaller } from '../../server/api/root';
import { systemContext } from '../../server/api/trpc';
import { type Booted, bootRuntime } from '../../server/boot';
import type { FlowDocument } from '../../server/engine/document';
import { type FlowRunState, isTerminalFlowState } from '../../server/engine/states';
import { onShutdownSignal } from '../../server/shutdown';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Wall-clock milliseconds with sub-millisecond resolution, comparable with database timestamps. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface Pipewright {
  booted: Booted;
  api: ReturnType<typeof createCaller>;
  /** Raw SQL on the runtime's pool: timings are read as epoch milliseconds, in full precision. */
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  importFlow(document: Omit<FlowDocument, 'version'>): Promise<string>;
  /** Starts a run of the flow and waits for it to end; `startedAt` is taken just before the start call. */
  run(flowId: string, options?: { pollMs?: number; timeoutMs?: number }): Promise<FinishedRun>;
  shutdown(): Promise<void>;
}

export interface FinishedRun {
  id: string;
  state: FlowRunState;
  /** Wall clock just before `runs.start` was called. */
  triggeredAt: number;
  /** flow_runs.ended_at, epoch ms. */
  endedAt: number;
}

export async function bootPipewright(
  databaseUrl: string,
  options: { worker: boolean },
): Promise<Pipewright> {
  const booted = await bootRuntime({ worker: options.worker, databaseUrl, log: () => {} });
  const api = createCaller(systemContext(booted.runtime));
  const pool = booted.runtime.db.$client;
  const query = async <T>(text: string, params: unknown[] = []) =>
    (await pool.query(text, params)).rows as T[];
  let flows = 0;
  return {
    booted,
    api,
    query,
    async importFlow(document) {
      const { flow } = await api.flows.import({
        document: { ...document, version: 1, name: `${document.name} ${Date.now()}-${++flows}` },
      });
      return flow.id;
    },
    async run(flowId, { pollMs = 10, timeoutMs = 120_000 } = {}) {
      const triggeredAt = wallNow();
      const { id } = await api.runs.start({ flowId });
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [row] = await query<{ state: FlowRunState; ended_at: number | null }>(
          'select state, (extract(epoch from ended_at) * 1000)::float8 as ended_at from flow_runs where id = $1',
          [id],
        );
        if (row && isTerminalFlowState(row.state) && row.ended_at !== null) {
          return { id, state: row.state, triggeredAt, endedAt: Number(row.ended_at) };
        }
        if (Date.now() > deadline) throw new Error(`run ${id} did not end within ${timeoutMs} ms`);
        await sleep(pollMs);
      }
    },
    shutdown: () => booted.shutdown(),
  };
}

/** A run that must have completed, with its named task's output. */
export async function assertCompleted(
  pw: Pipewright,
  run: FinishedRun,
  nodeId: string,
  expected: unknown,
): Promise<void> {
  if (run.state !== 'completed') {
    const failed = await pw.query<{ node_id: string; state: string; error: unknown }>(
      "select node_id, state, error from task_runs where flow_run_id = $1 and state <> 'completed' limit 3",
      [run.id],
    );
    throw new Error(`benchmark run ${run.id} ended ${run.state}: ${JSON.stringify(failed)}`);
  }
  const [row] = await pw.query<{ output: unknown }>(
    'select output from task_runs where flow_run_id = $1 and node_id = $2',
    [run.id, nodeId],
  );
  // jsonb does not keep key order: compare values, not text.
  if (!isDeepStrictEqual(row?.output, expected)) {
    throw new Error(
      `benchmark run ${run.id}: ${nodeId} returned ${JSON.stringify(row?.output)}, expected ${JSON.stringify(expected)}`,
    );
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A `pipewright worker` process against the bench database. */
export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  /** SIGKILL the worker and its sandbox hosts (its own process group): a machine dying. */
  kill(): void;
  /** SIGTERM, then wait for it to exit. */
  stop(): Promise<void>;
}

/**
 * Spawns `node bin/pipewright.mjs worker` with DATABASE_URL set and waits
 * until it says it runs. It gets its own process group so a crash test can
 * kill it with its sandbox hosts, as a machine's death would.
 */
export async function spawnWorker(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'pipewright.mjs'), 'worker'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, PIPEWRIGHT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start within 60 s:\n${output}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Worker \S+ running/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before starting:\n${output}`));
    });
  });
  const pid = child.pid!;
  const killGroup = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  // Its own process group does not get the terminal's Ctrl+C: take it down with the bench.
  process.once('exit', killGroup);
  const unregister = onShutdownSignal(killGroup);
  return {
    pid,
    child,
    kill() {
      unregister();
      killGroup();
    },
    async stop() {
      unregister();
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(killGroup, 15_000);
      await exited;
      clearTimeout(timer);
      // Sandbox hosts it may have left behind.
      killGroup();
    },
  };
}
