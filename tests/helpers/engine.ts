import { asc, eq } from 'drizzle-orm';
import { flowRuns, runTransitions } from '@/db/schema';
import { createCaller } from '@/server/api/root';
import { systemContext } from '@/server/api/trpc';
import { type Booted, bootRuntime } from '@/server/boot';
import { isTerminalFlowState } from '@/server/engine/states';
import { getFlowRun } from '@/server/runs/queries';
import { createTestDatabase, type TestDatabase } from './db';

export interface TestEngine {
  tdb: TestDatabase;
  booted: Booted;
  api: ReturnType<typeof createCaller>;
  /** Imports a document and starts a run of it; returns the run id. */
  run(
    document: unknown,
    params?: Record<string, unknown>,
    options?: { refreshCache?: boolean },
  ): Promise<string>;
  waitForRun(id: string, timeoutMs?: number): Promise<Awaited<ReturnType<typeof getFlowRun>>>;
  close(): Promise<void>;
}

/** A fresh database with the real runtime and an in-process worker on it. */
export async function startTestEngine(options: { worker?: boolean } = {}): Promise<TestEngine> {
  const tdb = await createTestDatabase();
  const booted = await bootRuntime({
    worker: options.worker ?? true,
    databaseUrl: tdb.url,
    log: () => {},
  });
  const api = createCaller(systemContext(booted.runtime));
  const engine: TestEngine = {
    tdb,
    booted,
    api,
    async run(document, params, runOptions) {
      const { flow } = await api.flows.import({ document });
      const { id } = await api.runs.start({
        flowId: flow.id,
        params,
        refreshCache: runOptions?.refreshCache,
      });
      return id;
    },
    async waitForRun(id, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [row] = await tdb.db
          .select({ state: flowRuns.state })
          .from(flowRuns)
          .where(eq(flowRuns.id, id));
        if (row && isTerminalFlowState(row.state)) return getFlowRun(tdb.db, id);
        if (Date.now() > deadline) {
          const run = await getFlowRun(tdb.db, id);
          throw new Error(
            `run ${id} still ${run.state} after ${timeoutMs} ms: ${JSON.stringify(run.tasks.map((t) => [t.nodeId, t.state, t.stateReason]))}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await booted.shutdown();
      await tdb.drop();
    },
  };
  return engine;
}

export function taskOf(run: Awaited<ReturnType<typeof getFlowRun>>, nodeId: string) {
  const task = run.tasks.find((t) => t.nodeId === nodeId);
  if (!task) throw new Error(`no task ${nodeId} in run ${run.id}`);
  return task;
}

/** A run's transitions, in the order they were written. */
export function transitionsOf(engine: TestEngine, runId: string) {
  return engine.tdb.db
    .select()
    .from(runTransitions)
    .where(eq(runTransitions.flowRunId, runId))
    .orderBy(asc(runTransitions.id));
}
