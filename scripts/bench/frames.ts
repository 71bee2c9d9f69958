/**
 * The browser benchmarks (canvas editor, run page) run as child processes
 * (`scripts/bench-canvas.ts --json`, `scripts/bench-run-page.ts --json`),
 * each with its own embedded PostgreSQL and app; the harness puts the JSON
 * line each prints last into its table. The production build is made first
 * when the sources changed, with its output on stderr (not timed).
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildIsStale } from '../../server/cli/build';

const root = path.resolve(import.meta.dirname, '..', '..');

export function buildAppIfStale(progress: (line: string) => void): void {
  if (!buildIsStale(root)) return;
  progress('building the app for the browser benchmarks (next build; not timed)…');
  const nextBin = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
  const result = spawnSync(process.execPath, [nextBin, 'build'], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (result.status !== 0) throw new Error('`next build` failed (see above)');
}

/** Runs a bench script with `--json` and returns the JSON object it printed last. */
export async function runJsonBench<T>(script: string): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, script), '--json'], {
    cwd: root,
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = stdout.trim().split('\n');
  const last = lines.at(-1) ?? '';
  // Anything else it printed (a build, warnings) goes to stderr, out of the table's way.
  if (lines.length > 1) process.stderr.write(`${lines.slice(0, -1).join('\n')}\n`);
  if (code !== 0 || !last.startsWith('{')) {
    throw new Error(`${script} exited with ${code}${last ? `: ${last}` : ''}`);
  }
  return JSON.parse(last) as T;
}

/**
 * requestAnimationFrame deltas of a steady 60 Hz read 16.6–16.8 ms: a
 * frame-time target of one frame (16.7 ms) allows this much jitter.
 */
export const FRAME_JITTER_MS = 0.5;

export interface CanvasFigures {
  firstRenderMs: number;
  firstRenderBestMs: number;
  frameP50Ms: number;
  frameP95Ms: number;
  frameWorstMs: number;
  frames: number;
}

export interface RunPageFigures {
  firstRenderMs: number;
  firstRenderBestMs: number;
  frameP50Ms: number;
  frameP95Ms: number;
  frameWorstMs: number;
  frames: number;
  lastChangeShownMs: number;
}
