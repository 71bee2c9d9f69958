/**
 * `npm run bench`: end-to-end dispatch speed on a real, durable PostgreSQL
 * (fsync and synchronous_commit on) with an in-process worker.
 *
 * - chain: 40 sequential no-op code tasks, start of run → run Completed.
 * - hop: task A's completion committed → task B started (p50 / p99), the
 *   scheduler's own overhead between two tasks.
 *
 * Set DATABASE_URL to measure against another server; otherwise a fresh
 * embedded server in a temp directory is used.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { startEmbeddedPostgres } from '../db/embedded';
import { flowRuns, taskRuns } from '../db/schema';
import { createCaller } from '../server/api/root';
import { systemContext } from '../server/api/trpc';
import { bootRuntime } from '../server/boot';
import { isTerminalFlowState } from '../server/engine/states';
import { env } from '../server/env';

const CHAIN = 40;
const RUNS = Number(process.argv[2] ?? 10);

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main() {
  let stopEmbedded: (() => Promise<void>) | undefined;
  let tmp: string | undefined;
  let url = env().DATABASE_URL;
  if (!url) {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'pipewright-bench-'));
    const server = await startEmbeddedPostgres({ dataDir: tmp });
    url = server.url;
    stopEmbedded = server.stop;
  }
  const booted = await bootRuntime({ worker: true, databaseUrl: url, log: () => {} });
  const api = createCaller(systemContext(booted.runtime));
  const { db } = booted.runtime;
  try {
    const nodes = Array.from({ length: CHAIN }, (_, i) => ({
      id: `t${i}`,
      type: 'code',
      config: { source: 'return 1;' },
    }));
    const edges = nodes.slice(1).map((n, i) => ({ source: `t${i}`, target: n.id }));
    const { flow } = await api.flows.import({
      document: { version: 1, name: `bench chain ${Date.now()}`, nodes, edges },
    });

    const totals: number[] = [];
    const hops: number[] = [];
    for (let r = 0; r <= RUNS; r++) {
      const t0 = performance.now();
      const { id } = await api.runs.start({ flowId: flow.id });
      for (;;) {
        const [row] = await db
          .select({ state: flowRuns.state })
          .from(flowRuns)
          .where(eq(flowRuns.id, id));
        if (row && isTerminalFlowState(row.state)) {
          if (row.state !== 'completed') throw new Error(`bench run ${id} ended ${row.state}`);
          break;
        }
        await new Promise((res) => setTimeout(res, 2));
      }
      const total = performance.now() - t0;
      const tasks = await db
        .select({
          nodeId: taskRuns.nodeId,
          startedAt: taskRuns.startedAt,
          endedAt: taskRuns.endedAt,
        })
        .from(taskRuns)
        .where(eq(taskRuns.flowRunId, id));
      const byNode = new Map(tasks.map((t) => [t.nodeId, t]));
      if (r === 0) continue; // warm-up: sandbox hosts, caches, JIT
      totals.push(total);
      for (let i = 1; i < CHAIN; i++) {
        const a = byNode.get(`t${i - 1}`)!;
        const b = byNode.get(`t${i}`)!;
        hops.push(b.startedAt!.getTime() - a.endedAt!.getTime());
      }
    }
    totals.sort((a, b) => a - b);
    hops.sort((a, b) => a - b);
    const fmt = (n: number) => `${n.toFixed(1)} ms`;
    console.log(
      `Pipewright dispatch benchmark (${os.cpus().length} cores, Node ${process.version}, ${RUNS} runs)`,
    );
    console.log(
      `chain of ${CHAIN} sequential code tasks: p50 ${fmt(percentile(totals, 50))}, best ${fmt(totals[0]!)}, worst ${fmt(totals.at(-1)!)}`,
    );
    console.log(
      `per-task end to end (chain p50 / ${CHAIN}): ${fmt(percentile(totals, 50) / CHAIN)}`,
    );
    console.log(
      `hop, task committed → next task started: p50 ${fmt(percentile(hops, 50))}, p99 ${fmt(percentile(hops, 99))} (${hops.length} hops)`,
    );
  } finally {
    await booted.shutdown();
    await stopEmbedded?.();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
