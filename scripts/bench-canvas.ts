/**
 * Canvas benchmark: the flow editor with a 500-node / 600-edge flow in real
 * Chromium against the production build.
 *
 *   node --import tsx scripts/bench-canvas.ts
 *
 * - first render: navigation start → every node React Flow rendered is
 *   measured and visible and every edge is drawn, plus one painted frame
 *   (target ≤ 1 s);
 * - frames: requestAnimationFrame deltas while panning the canvas and then
 *   dragging a node, 5 s in all; p50 / p95 / worst (target p95 ≤ 16.7 ms).
 *
 * It boots its own embedded PostgreSQL in a temp directory (or uses
 * DATABASE_URL) and starts the app with `startApp`, building it first if the
 * sources changed. Chromium runs headless without a GPU, as on CI.
 *
 * `--json` prints one JSON line instead (what `npm run bench` reads).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startEmbeddedPostgres } from '../db/embedded';
import type { FlowDocument } from '../server/engine/document';
import { env } from '../server/env';
import { startApp } from '../tests/helpers/app';
import { sessionClient, signedInContext, signUpOwner } from '../tests/helpers/auth';
import { launchBrowser } from '../tests/helpers/browser';
import { FRAME_JITTER_MS } from './bench/frames';

const NODES = 500;
const EDGES = 600;
const COLUMNS = 25;
const ROWS = NODES / COLUMNS;
const PAN_MS = 2500;
const DRAG_MS = 2500;

/** A layered DAG: 25 columns of 20 nodes; each node fed from the column before. */
export function generatedFlow(): FlowDocument {
  const id = (column: number, row: number) => `n${column}_${row}`;
  const nodes: FlowDocument['nodes'] = [];
  for (let column = 0; column < COLUMNS; column++) {
    for (let row = 0; row < ROWS; row++) {
      nodes.push({
        id: id(column, row),
        type: 'code',
        name: `Step ${column + 1}.${row + 1}`,
        position: { x: column * 320, y: row * 140 },
        config: { source: `return ${column * ROWS + row};` },
        ...(row % 5 === 0 ? { retry: { retries: 2 } } : {}),
      });
    }
  }
  const edges: FlowDocument['edges'] = [];
  const seen = new Set<string>();
  const add = (source: string, target: string) => {
    const key = `${source}>${target}`;
    if (seen.has(key)) return false;
    seen.add(key);
    edges.push({ source, target });
    return true;
  };
  for (let column = 1; column < COLUMNS; column++) {
    for (let row = 0; row < ROWS; row++) add(id(column - 1, row), id(column, row));
  }
  // Deterministic extra fan-in until 600 edges (a small LCG, no Math.random).
  let seed = 42;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed;
  };
  while (edges.length < EDGES) {
    const column = 1 + (next() % (COLUMNS - 1));
    add(id(column - 1, next() % ROWS), id(column, next() % ROWS));
  }
  return { version: 1, name: `Canvas bench ${Date.now()}`, nodes, edges };
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Moves the mouse along a path at ~60 Hz for `ms`, with the button held from `from`. */
async function gesture(page: Page, from: { x: number; y: number }, ms: number, radius: number) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  const start = Date.now();
  while (Date.now() - start < ms) {
    const t = (Date.now() - start) / 1000;
    await page.mouse.move(
      from.x + Math.sin(t * 2.4) * radius,
      from.y + Math.sin(t * 1.7) * radius * 0.6,
    );
    await new Promise((r) => setTimeout(r, 16));
  }
  await page.mouse.up();
}

async function main() {
  let tmp: string | undefined;
  let stopDatabase: (() => Promise<void>) | undefined;
  let url = env().DATABASE_URL;
  if (!url) {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'pipewright-bench-canvas-'));
    const database = await startEmbeddedPostgres({ dataDir: tmp });
    url = database.url;
    stopDatabase = database.stop;
  }
  const app = await startApp({ DATABASE_URL: url, PIPEWRIGHT_WORKER: '0' });
  const browser = await launchBrowser();
  const owner = await signUpOwner(app);
  try {
    const api = sessionClient(app, owner);
    const flowDocument = generatedFlow();
    const { flow } = await api.flows.import.mutate({ document: flowDocument });
    const context = await signedInContext(browser, app, owner, {
      viewport: { width: 1440, height: 900 },
    });
    const page = await context.newPage();

    // Warm-up: the first visit compiles nothing (production build) but fills HTTP caches.
    await page.goto(`${app.url}/flows/${flow.id}`);
    await page.locator('.react-flow__node').first().waitFor({ timeout: 60_000 });

    const runs: number[] = [];
    let rendered = 0;
    for (let i = 0; i < 3; i++) {
      await page.goto(`${app.url}/flows/${flow.id}`, { waitUntil: 'commit' });
      const result = await page.waitForFunction(
        (edges: number): unknown => {
          const nodes = document.querySelectorAll<HTMLElement>('.react-flow__node');
          if (nodes.length === 0) return false;
          for (const node of nodes) if (node.style.visibility === 'hidden') return false;
          // React Flow's edges zoomed in; zoomed out, the layer's (block-edges.tsx).
          if (document.querySelectorAll('.react-flow__edge-path, .pw-block-edge').length < edges)
            return false;
          return new Promise<{ at: number; count: number }>((resolve) =>
            requestAnimationFrame(() =>
              requestAnimationFrame(() => resolve({ at: performance.now(), count: nodes.length })),
            ),
          );
        },
        flowDocument.edges.length,
        { polling: 'raf', timeout: 60_000 },
      );
      const value = (await result.jsonValue()) as { at: number; count: number };
      runs.push(value.at);
      rendered = value.count;
    }
    runs.sort((a, b) => a - b);

    // Frame times while panning the (empty part of the) canvas, then while dragging a node.
    // A string, not a function: tsx would wrap named inner functions in a helper the page lacks.
    await page.evaluate(`(() => {
      window.__frames = [];
      window.__stop = false;
      let last = performance.now();
      const tick = (now) => {
        window.__frames.push(now - last);
        last = now;
        if (!window.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    const canvas = await page.locator('.react-flow__pane').boundingBox();
    if (!canvas) throw new Error('no canvas');
    const emptySpot = await page.evaluate(({ x, y, width, height }) => {
      for (let dy = 20; dy < height; dy += 17) {
        for (let dx = 20; dx < width; dx += 23) {
          const el = document.elementFromPoint(x + dx, y + dy);
          if (el?.classList.contains('react-flow__pane')) return { x: x + dx, y: y + dy };
        }
      }
      return { x: x + width / 2, y: y + height / 2 };
    }, canvas);
    await gesture(page, emptySpot, PAN_MS, 160);
    const panFrames = Number(await page.evaluate('window.__frames.length'));
    const target = page.locator('.react-flow__node[data-id="n12_10"]');
    const box = await target.boundingBox();
    if (!box) throw new Error('node n12_10 is not on screen');
    await gesture(page, { x: box.x + box.width / 2, y: box.y + box.height / 2 }, DRAG_MS, 120);
    const all = (await page.evaluate('(window.__stop = true, window.__frames)')) as number[];
    // The first delta spans the set-up before the gestures; leave it out.
    const pan = all.slice(1, panFrames).sort((a, b) => a - b);
    const drag = all.slice(panFrames).sort((a, b) => a - b);
    const frames = [...pan, ...drag].sort((a, b) => a - b);

    const fmt = (n: number) => `${n.toFixed(1)} ms`;
    const p95 = percentile(frames, 95);
    if (process.argv.includes('--json')) {
      console.log(
        JSON.stringify({
          firstRenderMs: percentile(runs, 50),
          firstRenderBestMs: runs[0],
          frameP50Ms: percentile(frames, 50),
          frameP95Ms: p95,
          frameWorstMs: frames.at(-1),
          frames: frames.length,
          panP95Ms: percentile(pan, 95),
          dragP95Ms: percentile(drag, 95),
          renderedNodes: rendered,
        }),
      );
      await context.close();
      return;
    }
    // rAF deltas of a steady 60 Hz jitter around 16.67 ms (16.6 / 16.8): allow the timer's slack.
    const withinFrame = p95 <= 16.7 + FRAME_JITTER_MS;
    console.log(
      `Pipewright canvas benchmark (${os.cpus().length} cores, headless Chromium, ${NODES} nodes / ${flowDocument.edges.length} edges, ${rendered} rendered)`,
    );
    console.log(
      `first render (navigation → all nodes and edges painted): best ${fmt(runs[0]!)}, median ${fmt(percentile(runs, 50))} of ${runs.length} loads — target ≤ 1000 ms ${percentile(runs, 50) <= 1000 ? '✔' : '✖'}`,
    );
    console.log(
      `frame time while panning and dragging (${frames.length} frames in ${(PAN_MS + DRAG_MS) / 1000} s): p50 ${fmt(percentile(frames, 50))}, p95 ${fmt(p95)}, worst ${fmt(frames.at(-1) ?? Number.NaN)} — target p95 ≤ 16.7 ms (one 60 Hz frame) ${withinFrame ? '✔' : '✖'}`,
    );
    console.log(
      `  panning: p95 ${fmt(percentile(pan, 95))} (${pan.length} frames); dragging a node: p95 ${fmt(percentile(drag, 95))} (${drag.length} frames)`,
    );
    await context.close();
  } finally {
    await browser.cleanup();
    await app.stop();
    await stopDatabase?.();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
