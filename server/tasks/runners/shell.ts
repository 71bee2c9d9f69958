import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import type { LogLevel } from '@/db/schema';
import { commandEnvironment, env } from '@/server/env';
import type { TaskRunner } from '../runner';
import { PermanentTaskError, TaskTimeoutError } from '../runner';
import { SHELL_DISABLED_REASON } from '../shell';
import { abortReason, effectiveTimeoutMs, formatBytes, parseResolvedConfig } from './config';
import { FileRoots } from './file-roots';
import { redactSecrets } from './redact';

/** Bytes of each stream written to the task's log; the rest is counted, not kept. */
export const MAX_LOGGED_BYTES_PER_STREAM = 1024 * 1024;
/** The end of each stream kept in the output (errors are usually at the end). */
export const OUTPUT_TAIL_BYTES = 64 * 1024;
/** Between SIGTERM and SIGKILL: time for the command to clean up. */
export const KILL_GRACE_MS = 2_000;
/** A line with no newline in sight is logged in pieces of this many characters. */
const MAX_LINE_CHARS = 4_000;

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const shellConfigSchema = z.object({
  command: z.string().min(1),
  args: z.array(scalar).default([]),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), scalar).default({}),
  timeoutSeconds: z.coerce.number().positive().optional(),
  shell: z.boolean().default(false),
});

/** One output stream: logged line by line up to a cap, its tail kept for the output. */
class StreamCapture {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private logged = 0;
  private total = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;

  constructor(
    private readonly name: 'stdout' | 'stderr',
    private readonly level: LogLevel,
    private readonly log: (level: LogLevel, message: string) => void,
  ) {}

  write(chunk: Buffer): void {
    this.total += chunk.length;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= OUTPUT_TAIL_BYTES) {
      this.tailBytes -= this.tail.shift()!.length;
    }
    if (this.logged >= MAX_LOGGED_BYTES_PER_STREAM) return;
    const room = MAX_LOGGED_BYTES_PER_STREAM - this.logged;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.logged += part.length;
    this.partial += this.decoder.write(part);
    const lines = this.partial.split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) this.logLine(line);
    while (this.partial.length > MAX_LINE_CHARS) {
      this.logLine(this.partial.slice(0, MAX_LINE_CHARS));
      this.partial = this.partial.slice(MAX_LINE_CHARS);
    }
    if (this.logged >= MAX_LOGGED_BYTES_PER_STREAM) this.flush();
  }

  private logLine(line: string) {
    this.log(this.level, line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  private flush() {
    this.partial += this.decoder.end();
    if (this.partial !== '') this.logLine(this.partial);
    this.partial = '';
  }

  /** Logs what is left, and says so if the stream outgrew the log. */
  finish(): void {
    if (this.logged < MAX_LOGGED_BYTES_PER_STREAM) this.flush();
    if (this.total > this.logged) {
      this.log(
        'warn',
        `${this.name}: ${formatBytes(this.total - this.logged)} more not logged (the log keeps the first ${formatBytes(MAX_LOGGED_BYTES_PER_STREAM)} of each stream; the output keeps the last ${formatBytes(OUTPUT_TAIL_BYTES)})`,
      );
    }
  }

  get truncated(): boolean {
    return this.total > OUTPUT_TAIL_BYTES;
  }

  text(): string {
    const bytes = Buffer.concat(this.tail);
    const kept = bytes.subarray(Math.max(0, bytes.length - OUTPUT_TAIL_BYTES));
    // A cut through a multi-byte character leaves a replacement character first.
    return this.truncated ? kept.toString('utf8').replace(/^\uFFFD+/, '') : kept.toString('utf8');
  }

  lastLine(): string | undefined {
    return this.text()
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .at(-1);
  }
}

const quoteForLog = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg));

/** Signals the command's whole process group: it was started as its leader. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Runs a program with arguments, as given: no shell, so nothing in them is
 * expanded, unless the task asks for `shell: true` (then `command` is a
 * /bin/sh script and `args` are its $1, $2, …). Refused unless the operator
 * enabled shell commands — checked here, on the worker that would run it.
 */
export const shellRunner: TaskRunner = {
  type: 'shell',
  async run(ctx) {
    if (!env().PIPEWRIGHT_ALLOW_SHELL) throw new PermanentTaskError(SHELL_DISABLED_REASON);
    const config = parseResolvedConfig('shell', shellConfigSchema, ctx.config);

    const roots = await FileRoots.fromEnv();
    const cwd = path.resolve(roots.base, config.cwd ?? '.');
    const cwdStats = await fs.stat(cwd).catch(() => null);
    if (!cwdStats?.isDirectory()) {
      throw new PermanentTaskError(`cwd ${cwd} is not a folder on this worker`);
    }

    const [file, argv]: [string, string[]] = config.shell
      ? ['/bin/sh', ['-c', config.command, 'sh', ...config.args]]
      : [config.command, config.args];
    const shown = config.shell
      ? `sh -c ${JSON.stringify(config.command)}${config.args.map((a) => ` ${quoteForLog(a)}`).join('')}`
      : [config.command, ...config.args].map(quoteForLog).join(' ');
    ctx.log('info', `$ ${redactSecrets(shown)}  (in ${cwd})`);

    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    const limitMs = effectiveTimeoutMs(config.timeoutSeconds, ctx.timeoutMs);
    const started = performance.now();
    const child = spawn(file, argv, {
      cwd,
      // Next.js's types insist on NODE_ENV; a command's environment need not have it.
      env: { ...commandEnvironment(), ...config.env } as NodeJS.ProcessEnv,
      // Its own process group, so a timeout kills what it started too.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = new StreamCapture('stdout', 'info', ctx.log);
    const stderr = new StreamCapture('stderr', 'warn', ctx.log);
    child.stdout?.on('data', (chunk: Buffer) => stdout.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));

    let stopping = false;
    /** SIGTERM, then SIGKILL; the task ends now, without waiting for the process. */
    const stop = () => {
      if (stopping) return;
      stopping = true;
      signalGroup(child, 'SIGTERM');
      setTimeout(() => signalGroup(child, 'SIGKILL'), KILL_GRACE_MS).unref();
      // Its last words would land after the attempt ended.
      child.stdout?.destroy();
      child.stderr?.destroy();
    };

    const exit = await new Promise<
      { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null } | { kind: 'timedout' }
    >((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        stop();
        reject(abortReason(ctx.signal));
      };
      const cleanup = () => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
      };
      if (limitMs !== null) {
        timer = setTimeout(() => {
          stop();
          cleanup();
          resolve({ kind: 'timedout' });
        }, limitMs);
      }
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      child.once('error', (err: NodeJS.ErrnoException) => {
        cleanup();
        if (err.code === 'ENOENT') {
          reject(
            new PermanentTaskError(`command "${config.command}" was not found on this worker`),
          );
        } else if (err.code === 'EACCES') {
          reject(new PermanentTaskError(`command "${config.command}" is not executable`));
        } else reject(err);
      });
      child.once('close', (code, signal) => {
        cleanup();
        resolve({ kind: 'exited', code, signal });
      });
    });

    stdout.finish();
    stderr.finish();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const name = config.shell ? 'the shell script' : config.command;
    if (exit.kind === 'timedout') {
      throw new TaskTimeoutError(
        `${name} did not finish within ${limitMs! / 1000} s; it was stopped (SIGTERM, then SIGKILL after ${KILL_GRACE_MS / 1000} s)`,
      );
    }
    if (exit.code !== 0) {
      const why =
        exit.code === null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      const last = stderr.lastLine();
      throw new Error(
        redactSecrets(`${name} ${why}${last ? `: ${last}` : ' (nothing on stderr)'}`),
      );
    }
    ctx.log('info', `exited with code 0 in ${seconds} s`);
    return {
      output: {
        exitCode: exit.code,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
      },
    };
  },
};
