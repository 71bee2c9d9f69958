import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type EmbeddedServer, startEmbeddedPostgres } from '@/db/embedded';
import { runMigrations } from '@/db/migrate';
import { createCaller } from '@/server/api/root';
import { systemContext } from '@/server/api/trpc';
import { type Booted, bootRuntime } from '@/server/boot';
import { overrideEnv } from '@/server/env';
import { repoRoot } from '../helpers/app';
import {
  type CheckOptions,
  checkHistory,
  describeViolations,
  loadHistory,
  type Violation,
} from './checker';

/**
 * What every fault scenario stands on: its own embedded PostgreSQL in a
 * temp directory (which it may stop and start), a control process (this
 * one: it imports flows and starts runs through the tRPC caller, runs no
 * worker), real `pipewright worker` processes it can kill, and the checker.
 */

/** Connections of the suite itself carry this name, so pg_terminate_backend can spare them. */
export const HARNESS_APP_NAME = 'pipewright-faults';

export interface ScenarioDatabase {
  url: string;
  port: number;
  dataDir: string;
  /** The suite's own connections (checker, inspection). */
  pool: pg.Pool;
  /** Fast shutdown (SIGINT: every connection dropped), `downMs` of nothing, start again on the same port. */
  restart(downMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startScenarioDatabase(name: string): Promise<ScenarioDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `pipewright-faults-${name}-`));
  let server: EmbeddedServer = await startEmbeddedPostgres({ dataDir });
  const { port, url } = server;
  await runMigrations(url);
  const connect = () => {
    const p = new pg.Pool({ connectionString: url, max: 4, application_name: HARNESS_APP_NAME });
    p.on('error', () => {});
    return p;
  };
  let pool = connect();
  return {
    url,
    port,
    dataDir,
    get pool() {
      return pool;
    },
    async restart(downMs) {
      // The suite's own connections die with the server: start afresh after.
      await pool.end().catch(() => {});
      await server.stop();
      await sleep(downMs);
      server = await startEmbeddedPostgres({ dataDir, port });
      pool = connect();
    },
    async close() {
      await pool.end().catch(() => {});
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Control {
  booted: Booted;
  api: ReturnType<typeof createCaller>;
  /** Imports a flow document; returns its id. */
  importFlow(document: unknown): Promise<string>;
  startRuns(
    flowId: string,
    count: number,
    params?: (i: number) => Record<string, unknown>,
  ): Promise<string[]>;
  close(): Promise<void>;
}

/** The web side without a web server: the tRPC caller of a runtime with no worker. */
export async function startControl(
  db: ScenarioDatabase,
  env: Record<string, string> = {},
): Promise<Control> {
  overrideEnv({ PIPEWRIGHT_DATA_DIR: db.dataDir, ...env });
  const booted = await bootRuntime({ worker: false, databaseUrl: db.url, log: () => {} });
  const api = createCaller(systemContext(booted.runtime));
  return {
    booted,
    api,
    async importFlow(document) {
      return (await api.flows.import({ document })).flow.id;
    },
    async startRuns(flowId, count, params) {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        ids.push((await api.runs.start({ flowId, params: params?.(i) })).id);
      }
      return ids;
    },
    close: () => booted.shutdown(),
  };
}

export interface WorkerProcess {
  slot: number;
  generation: number;
  child: ChildProcess;
  pid: number;
  /** `host:pid`, as task runs and attempts record it. */
  workerId: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Death {
  slot: number;
  generation: number;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The fault point it killed itself at, if it did. */
  faultPoint?: string;
  /** Its last lines of output. */
  tail: string;
}

/**
 * `count` worker processes against one database, like a process manager
 * keeps them: with `restart`, a worker that dies is replaced (a new
 * generation, with its own fault seed) until the fleet is stopped.
 */
export class WorkerFleet {
  readonly deaths: Death[] = [];
  private readonly live = new Map<number, WorkerProcess>();
  private stopping = false;
  private readonly starting = new Set<Promise<unknown>>();

  constructor(
    private readonly options: {
      db: ScenarioDatabase;
      count: number;
      concurrency?: number;
      restart?: boolean;
      /** Extra environment per slot and generation (fault points and seeds). */
      env?: (slot: number, generation: number) => Record<string, string>;
    },
  ) {}

  async start(): Promise<void> {
    await Promise.all(
      Array.from({ length: this.options.count }, (_, slot) => this.spawnSlot(slot, 0)),
    );
  }

  get workers(): WorkerProcess[] {
    return [...this.live.values()];
  }

  worker(slot: number): WorkerProcess | undefined {
    return this.live.get(slot);
  }

  private async spawnSlot(slot: number, generation: number): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/pipewright.mjs'), 'worker'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        DATABASE_URL: this.options.db.url,
        PIPEWRIGHT_DATA_DIR: this.options.db.dataDir,
        PIPEWRIGHT_WORKER_CONCURRENCY: String(this.options.concurrency ?? 4),
        PIPEWRIGHT_FAULTS: '',
        ...this.options.env?.(slot, generation),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const append = (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const worker: WorkerProcess = {
      slot,
      generation,
      child,
      pid: child.pid!,
      workerId: `${os.hostname()}:${child.pid}`,
      output: () => output,
      exited,
    };
    this.live.set(slot, worker);
    void exited.then(({ code, signal }) => {
      if (this.live.get(slot) === worker) this.live.delete(slot);
      const fault = /fault injection: SIGKILL at ([a-z-]+)/.exec(output)?.[1];
      this.deaths.push({
        slot,
        generation,
        pid: worker.pid,
        code,
        signal,
        faultPoint: fault,
        tail: output.trim().split('\n').slice(-40).join('\n'),
      });
      if (this.options.restart && !this.stopping) {
        const next = this.spawnSlot(slot, generation + 1).catch(() => {});
        this.starting.add(next);
        void next.finally(() => this.starting.delete(next));
      }
    });
    const deadline = Date.now() + 90_000;
    while (!/Worker \S+ running/.test(output)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        // Killed by its own fault point before it was even up: the restart handles it.
        if (output.includes('fault injection')) return worker;
        throw new Error(`worker ${slot} exited at start:\n${output}`);
      }
      if (Date.now() > deadline) throw new Error(`worker ${slot} did not start:\n${output}`);
      await sleep(50);
    }
    return worker;
  }

  /** Sends `signal` to the worker in `slot` and waits for it to exit. */
  async kill(slot: number, signal: NodeJS.Signals): Promise<Death | undefined> {
    const worker = this.live.get(slot);
    if (!worker) return undefined;
    worker.child.kill(signal);
    await worker.exited;
    return this.deaths.find((d) => d.pid === worker.pid);
  }

  /** Stops restarting, then stops every worker (SIGTERM, SIGKILL after 30 s). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.starting]);
    await Promise.all(
      [...this.live.values()].map(async (w) => {
        w.child.kill('SIGTERM');
        const timer = setTimeout(() => w.child.kill('SIGKILL'), 30_000);
        await w.exited;
        clearTimeout(timer);
      }),
    );
  }

  /** The last lines each worker wrote, for a failure message. */
  tails(lines = 15): string {
    const live = [...this.live.values()].map(
      (w) =>
        `--- worker ${w.slot}.${w.generation} (pid ${w.pid})\n${w.output().trim().split('\n').slice(-lines).join('\n')}`,
    );
    const dead = this.deaths
      .filter((d) => !d.faultPoint && d.signal !== 'SIGKILL')
      .map(
        (d) =>
          `--- worker ${d.slot}.${d.generation} (pid ${d.pid}) exited ${d.code ?? d.signal}\n${d.tail}`,
      );
    return [...live, ...dead].join('\n');
  }
}

/** Polls until `check` holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Runs (of `ids`, or all) not yet in a terminal state. */
export async function unfinishedRuns(
  db: ScenarioDatabase,
  ids?: readonly string[],
): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `select count(*)::int as n from flow_runs
     where state not in ('completed','failed','cancelled','crashed')
       and ($1::uuid[] is null or id = any($1::uuid[]))`,
    [ids ?? null],
  );
  return rows[0]?.n ?? 0;
}

export async function waitForRuns(
  db: ScenarioDatabase,
  ids: readonly string[],
  timeoutMs: number,
  describe?: () => string,
  /** Gives up at once when this returns a reason (e.g. a worker that must not die died). */
  abortIf?: () => string | undefined,
): Promise<void> {
  try {
    await waitFor(
      `${ids.length} runs to end`,
      async () => {
        const reason = abortIf?.();
        if (reason) throw new Error(reason);
        return (await unfinishedRuns(db, ids)) === 0;
      },
      timeoutMs,
      500,
    );
  } catch (err) {
    const { rows } = await db.pool.query(
      `select fr.id, fr.state, tr.node_id, tr.state as task_state, tr.attempt, tr.state_reason
       from flow_runs fr join task_runs tr on tr.flow_run_id = fr.id
       where fr.id = any($1::uuid[]) and fr.state not in ('completed','failed','cancelled','crashed')
         and tr.state not in ('completed','cached','skipped')
       limit 15`,
      [ids],
    );
    throw new Error(
      `${(err as Error).message}\n${JSON.stringify(rows, null, 1)}\n${describe?.() ?? ''}`,
    );
  }
}

/** Final states of runs, counted. */
export async function runStates(
  db: ScenarioDatabase,
  ids: readonly string[],
): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<{ state: string; n: number }>(
    'select state, count(*)::int as n from flow_runs where id = any($1::uuid[]) group by state',
    [ids],
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** Tasks of these runs that did not complete, with why: what a failed assertion prints. */
export async function unfinishedTasks(db: ScenarioDatabase, ids: readonly string[]) {
  const { rows } = await db.pool.query(
    `select node_id, state, state_reason, attempt, crash_count from task_runs
     where flow_run_id = any($1::uuid[]) and state <> 'completed' order by flow_run_id, node_id`,
    [ids],
  );
  return rows;
}

/** Runs the checker; returns its violations (the caller asserts there are none). */
export async function check(
  db: ScenarioDatabase,
  options: CheckOptions & { runIds?: ReadonlySet<string> } = {},
): Promise<Violation[]> {
  const history = await loadHistory(db.pool, options.runIds ? [...options.runIds] : undefined);
  return checkHistory(history, options);
}

export { seededRandom } from '@/server/execution/faults';
export { describeViolations };

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface ScenarioSummary {
  scenario: string;
  iterations: number;
  runs: number;
  outcome: string;
  seconds: number;
  notes?: string;
}

/** Appends one line to the runner's summary (scripts/test-faults.ts prints the table). */
export function reportScenario(summary: ScenarioSummary): void {
  const file = process.env.FAULTS_SUMMARY_FILE;
  const line = `${JSON.stringify(summary)}\n`;
  if (file) appendFileSync(file, line);
  process.stdout.write(`# faults: ${line}`);
}

export function readSummaries(file: string): ScenarioSummary[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ScenarioSummary);
  } catch {
    return [];
  }
}

/** Suite options, from the runner: `--ci` (the CI-sized subset), `--seed` (replay one iteration). */
export function suiteOptions(): { ci: boolean; seed: number | undefined } {
  const seed = process.env.FAULTS_SEED;
  return { ci: process.env.FAULTS_MODE === 'ci', seed: seed ? Number(seed) : undefined };
}

/** Child pids of a process (its sandbox hosts, for a worker). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Local TCP ports of a process's connections to `remotePort` (Linux /proc): which PostgreSQL
 * backends (pg_stat_activity.client_port) belong to which worker process.
 */
export function tcpPortsOf(pid: number, remotePort: number): Set<number> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return new Set();
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const remote = cols[2];
      const inode = cols[9];
      if (!local || !remote || !inode || !inodes.has(inode)) continue;
      // Ephemeral ports are only unique per destination: keep connections to the database.
      if (Number.parseInt(remote.split(':')[1] ?? '0', 16) !== remotePort) continue;
      ports.add(Number.parseInt(local.split(':')[1] ?? '0', 16));
    }
  }
  return ports;
}

/** pg_terminate_backend on every connection the given processes hold; returns how many. */
export async function terminateBackendsOf(
  db: ScenarioDatabase,
  pids: number[],
): Promise<{ count: number; names: string[] }> {
  // Never this process's own connections (the checker's, the control runtime's).
  const ours = tcpPortsOf(process.pid, db.port);
  const ports = pids.flatMap((pid) => [...tcpPortsOf(pid, db.port)]).filter((p) => !ours.has(p));
  const { rows: targets } = await db.pool.query<{ pid: number; application_name: string }>(
    `select pid, application_name from pg_stat_activity
     where client_port = any($1::int[]) and pid <> pg_backend_pid() and application_name <> $2`,
    [ports, HARNESS_APP_NAME],
  );
  // One call per chosen pid: in a WHERE clause the planner may evaluate
  // pg_terminate_backend before the filter, on every row (ours included).
  const { rows } = await db.pool.query<{ done: boolean }>(
    'select pg_terminate_backend(p) as done from unnest($1::int[]) as p',
    [targets.map((t) => t.pid)],
  );
  const done = rows.filter((r) => r.done).length;
  return { count: done, names: [...new Set(targets.map((t) => t.application_name))].sort() };
}
