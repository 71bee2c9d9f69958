import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@/db/embedded';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export interface RunningApp {
  url: string;
  port: number;
  process: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A `pipewright …` child process (bin/pipewright.mjs), its stdout and stderr kept together. */
export type PipewrightProcess = ChildProcess & { output(): string };

export function spawnPipewright(
  args: string[],
  env: Record<string, string | undefined> = {},
): PipewrightProcess {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/pipewright.mjs'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  return Object.assign(child, { output: () => output });
}

/**
 * Starts the real app (`pipewright start`, the production build) in a child
 * process and waits until it says it is ready.
 */
export async function startApp(env: Record<string, string | undefined> = {}): Promise<RunningApp> {
  const port = await freePort();
  const child = spawnPipewright(['start'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    ...env,
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );

  const deadline = Date.now() + 120_000;
  while (!child.output().includes('Ready on')) {
    if (child.exitCode !== null)
      throw new Error(`The app exited with ${child.exitCode}:\n${child.output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The app did not start within 120 s:\n${child.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    output: child.output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
