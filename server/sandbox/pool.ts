import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import os from 'node:os';
import { z } from 'zod';
import { CODE_ERROR_KINDS, CodeError } from './code-error';
import {
  type CodeLanguage,
  type CompiledCode,
  compileCondition,
  compileFunctionBody,
} from './compile';
import { sandboxHostCommand } from './host-command';
import { immutableValues } from './immutable-values';

export interface CodeExecution {
  /** A function body: `return` gives the output; `await` is allowed. */
  source: string;
  language?: CodeLanguage;
  /** Upstream outputs by node id; must be JSON-serialisable. */
  inputs: unknown;
  params: unknown;
  timeoutMs: number;
  /** Overrides the pool's memory limit for this execution. */
  memoryLimitBytes?: number;
  /** Aborting kills the execution and rejects it with kind 'aborted'. */
  signal?: AbortSignal;
}

export interface SandboxLog {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  /** ISO timestamp of the `log.*` call. */
  at: string;
}

export interface CodeResult {
  /** The returned value, as JSON would carry it (`undefined` becomes null). */
  output: unknown;
  /** Time the code ran in the sandbox, excluding queueing and compilation. */
  durationMs: number;
}

export interface SandboxPoolOptions {
  /** Number of host processes, each running one execution at a time. Default 2. */
  size?: number;
  /** QuickJS heap limit per execution. Default 64 MiB. */
  memoryLimitBytes?: number;
  /** Largest output, as JSON text, before the execution fails with kind 'output'. Default 8 MiB. */
  maxOutputBytes?: number;
  /** Characters of shared input texts each host keeps for later executions. Default 16 Mi. */
  heldInputChars?: number;
}

export const DEFAULT_POOL_SIZE = 2;
export const DEFAULT_MEMORY_LIMIT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
export const DEFAULT_CONDITION_TIMEOUT_MS = 1000;
/** QuickJS stack limit; host-command.ts gives the host's V8 stack ample room above it. */
export const MAX_STACK_BYTES = 512 * 1024;
/** How long past its timeout a host may take to answer before it is killed. */
const KILL_GRACE_MS = 1000;
/** Hosts that die before becoming ready, in a row, before the pool stops respawning. */
const MAX_START_FAILURES = 3;
/** The host sends at most this many lines plus one "truncated" notice; anything more is ignored. */
const MAX_LOG_MESSAGES = 1001;
const STDERR_TAIL_CHARS = 2000;
/** Characters of shared input texts a host holds (see HostInputs), least recently used out. */
export const DEFAULT_HELD_INPUT_CHARS = 16 * 1024 * 1024;
/** Sandbox hosts run below the worker's priority: 5 nicer than the worker process. */
const HOST_NICENESS = 5;

const hostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({
    type: z.literal('log'),
    id: z.number(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    at: z.string(),
  }),
  z.object({
    type: z.literal('result'),
    id: z.number(),
    durationMs: z.number(),
    ok: z.boolean(),
    outputJson: z.string().optional(),
    kind: z.enum(CODE_ERROR_KINDS).optional(),
    message: z.string().optional(),
    userStack: z.string().optional(),
    /** The host's engine can no longer be trusted: it exits after this result. */
    retiring: z.boolean().optional(),
  }),
]);
type HostResult = Extract<z.infer<typeof hostMessageSchema>, { type: 'result' }>;

/** What host.mjs needs for one execution, apart from its inputs (HostInputs). */
interface HostRunRequest {
  type: 'run';
  id: number;
  code: string;
  filename: string;
  paramsJson: string;
  timeoutMs: number;
  memoryLimitBytes: number;
  maxStackBytes: number;
  maxOutputBytes: number;
}

/**
 * The inputs as a host gets them. `inputsJson` maps each input's name to its
 * own JSON text, or to the id of a text the host holds (`inputsByKey`, see
 * inputTexts); otherwise it is the inputs' JSON. A shared text is sent to a
 * host once (`keepTexts`) and named by its id from then on, until the pool
 * has the host forget it (`dropTexts`).
 */
interface HostInputs {
  inputsJson: string;
  inputsByKey: boolean;
  keepTexts?: SharedText[];
  dropTexts?: number[];
}

/** The JSON text of a value in immutableValues, with an id a host can hold it by. */
interface SharedText {
  id: number;
  text: string;
}

/** Inputs as the pool keeps them until a host is chosen. */
type InputTexts =
  | { byKey: true; texts: [key: string, text: string | SharedText][] }
  | { byKey: false; json: string };

interface PendingExecution {
  request: HostRunRequest;
  inputs: InputTexts;
  compiled: CompiledCode;
  onLog: ((log: SandboxLog) => void) | undefined;
  logMessages: number;
  settled: boolean;
  resolve: (result: CodeResult) => void;
  reject: (error: CodeError) => void;
  detachAbort: () => void;
}

interface SandboxHost {
  child: ChildProcess;
  ready: boolean;
  /** Exited, or killed by the pool: never given work again. */
  gone: boolean;
  running: PendingExecution | undefined;
  /** Shared texts this host holds, by id, least recently used first: their lengths. */
  held: Map<number, number>;
  heldChars: number;
  /** performance.now() of the last dispatch to this host. */
  lastStarted: number;
  killTimer: NodeJS.Timeout | undefined;
  stderrTail: string;
  exited: Promise<void>;
}

/**
 * Runs untrusted user code (the `code` task type and branch conditions) outside the worker's
 * V8 heap: in warm host processes (host.mjs), each execution in a fresh QuickJS context.
 * Executions queue while every host is busy. A host that crashes, hangs past its timeout or
 * runs an aborted execution is killed and replaced.
 */
export class SandboxPool {
  private readonly size: number;
  private readonly memoryLimitBytes: number;
  private readonly maxOutputBytes: number;
  private readonly heldInputChars: number;
  private hosts: SandboxHost[] = [];
  private readonly queue: PendingExecution[] = [];
  private nextId = 1;
  private startFailures = 0;
  private closed = false;

  constructor(options: SandboxPoolOptions = {}) {
    this.size = positiveInteger(options.size ?? DEFAULT_POOL_SIZE, 'size');
    this.memoryLimitBytes = positiveInteger(
      options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES,
      'memoryLimitBytes',
    );
    this.maxOutputBytes = positiveInteger(
      options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      'maxOutputBytes',
    );
    this.heldInputChars = positiveInteger(
      options.heldInputChars ?? DEFAULT_HELD_INPUT_CHARS,
      'heldInputChars',
    );
    this.fillHosts();
  }

  /**
   * Runs a function body. Rejects with a CodeError; errors thrown by `onLog` are ignored.
   */
  async run(execution: CodeExecution, onLog?: (log: SandboxLog) => void): Promise<CodeResult> {
    this.assertOpen();
    throwIfAborted(execution.signal);
    const compiled = await compileFunctionBody(execution.source, execution.language);
    return this.execute(compiled, execution, onLog);
  }

  /** Evaluates a boolean-ish expression over { inputs, params } (branch conditions): returns Boolean(result). */
  async evaluate(
    expression: string,
    scope: { inputs: unknown; params: unknown },
    timeoutMs = DEFAULT_CONDITION_TIMEOUT_MS,
  ): Promise<boolean> {
    this.assertOpen();
    const compiled = await compileCondition(expression);
    const { output } = await this.execute(compiled, { ...scope, timeoutMs }, undefined);
    return Boolean(output);
  }

  /** Process ids of the live hosts (for tests that kill one). */
  hostPids(): number[] {
    return this.hosts.flatMap((host) =>
      !host.gone && host.child.pid !== undefined ? [host.child.pid] : [],
    );
  }

  /** Rejects queued and running executions with kind 'aborted' and stops every host. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new CodeError('aborted', 'The sandbox pool was closed');
    for (const pending of this.queue.splice(0)) this.settle(pending, error);
    const stopping = [...this.hosts];
    for (const host of stopping) {
      this.killHost(host, error);
      // Idle hosts are unreferenced; keep the event loop up until each one has exited.
      host.child.ref();
    }
    await Promise.all(stopping.map((host) => host.exited));
  }

  private execute(
    compiled: CompiledCode,
    execution: Omit<CodeExecution, 'source' | 'language'>,
    onLog: ((log: SandboxLog) => void) | undefined,
  ): Promise<CodeResult> {
    this.assertOpen();
    const { signal } = execution;
    throwIfAborted(signal);
    const request: HostRunRequest = {
      type: 'run',
      id: this.nextId++,
      code: compiled.code,
      filename: compiled.filename,
      paramsJson: jsonText(execution.params, 'params'),
      timeoutMs: positiveInteger(Math.ceil(execution.timeoutMs), 'timeoutMs'),
      memoryLimitBytes: positiveInteger(
        execution.memoryLimitBytes ?? this.memoryLimitBytes,
        'memoryLimitBytes',
      ),
      maxStackBytes: MAX_STACK_BYTES,
      maxOutputBytes: this.maxOutputBytes,
    };
    const inputs = inputTexts(execution.inputs);
    return new Promise<CodeResult>((resolve, reject) => {
      const pending: PendingExecution = {
        request,
        inputs,
        compiled,
        onLog,
        logMessages: 0,
        settled: false,
        resolve,
        reject,
        detachAbort: () => {},
      };
      if (signal) {
        const onAbort = () => this.abort(pending);
        signal.addEventListener('abort', onAbort, { once: true });
        pending.detachAbort = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(pending);
      if (this.startFailures >= MAX_START_FAILURES) this.startFailures = 0;
      this.fillHosts();
      this.dispatch();
    });
  }

  private abort(pending: PendingExecution): void {
    const error = new CodeError('aborted', 'The execution was cancelled');
    const host = this.hosts.find((candidate) => candidate.running === pending);
    if (host) {
      this.killHost(host, error);
      return;
    }
    const index = this.queue.indexOf(pending);
    if (index >= 0) this.queue.splice(index, 1);
    this.settle(pending, error);
  }

  private fillHosts(): void {
    while (!this.closed && this.hosts.length < this.size) this.spawnHost();
  }

  private spawnHost(): void {
    const command = sandboxHostCommand();
    const child: ChildProcess = spawn(command.execPath, command.args, {
      // Nothing of the worker's environment (database URL, secrets) reaches a host.
      env: {} as NodeJS.ProcessEnv,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    // User code yields the CPU to the worker's own work (leases, commits,
    // dispatch): on a busy machine a tight loop in a task must not delay the
    // heartbeat that keeps its lease, nor the next task's start.
    if (child.pid) {
      try {
        os.setPriority(child.pid, Math.min(19, os.getPriority() + HOST_NICENESS));
      } catch {
        // Not permitted here (some containers): run at normal priority.
      }
    }
    let markExited = () => {};
    const host: SandboxHost = {
      child,
      ready: false,
      gone: false,
      running: undefined,
      held: new Map(),
      heldChars: 0,
      lastStarted: 0,
      killTimer: undefined,
      stderrTail: '',
      exited: new Promise<void>((resolve) => {
        markExited = resolve;
      }),
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      host.stderrTail = (host.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.on('message', (message) => this.handleMessage(host, message));
    child.on('error', (error) => {
      host.stderrTail += `\n${error.message}`;
      this.handleHostExit(host, null, null);
      markExited();
    });
    child.on('exit', (code, signal) => {
      this.handleHostExit(host, code, signal);
      markExited();
    });
    this.hosts.push(host);
    this.updateRefs();
  }

  private handleMessage(host: SandboxHost, raw: unknown): void {
    const parsed = hostMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.killHost(host, new CodeError('crashed', 'The sandbox sent a malformed message'));
      return;
    }
    const message = parsed.data;
    if (message.type === 'ready') {
      host.ready = true;
      this.startFailures = 0;
      this.dispatch();
      return;
    }
    const pending = host.running;
    if (!pending || pending.request.id !== message.id) return;
    if (message.type === 'log') {
      pending.logMessages += 1;
      if (pending.logMessages > MAX_LOG_MESSAGES || !pending.onLog) return;
      try {
        pending.onLog({ level: message.level, message: message.message, at: message.at });
      } catch {
        // A failing log consumer must not fail the code or wedge the pool.
      }
      return;
    }
    clearTimeout(host.killTimer);
    host.running = undefined;
    this.settle(pending, outcomeOf(message, pending));
    // Replaced now, not when it exits: work dispatched to it in between was
    // lost, and failed as if its own code had crashed the host.
    if (message.retiring) this.killHost(host);
    this.dispatch();
  }

  private handleHostExit(
    host: SandboxHost,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (host.gone) return;
    host.gone = true;
    clearTimeout(host.killTimer);
    this.hosts = this.hosts.filter((candidate) => candidate !== host);
    const how = signal ? `killed by ${signal}` : `exit code ${code ?? 'unknown'}`;
    if (host.running) {
      this.settle(
        host.running,
        new CodeError('crashed', `The sandbox process stopped while running the code (${how})`),
      );
      host.running = undefined;
    }
    if (!host.ready) {
      this.startFailures += 1;
      if (this.startFailures >= MAX_START_FAILURES) {
        // Respawning would fail the same way; the next execution tries again.
        const detail = host.stderrTail.trim() || how;
        const error = new CodeError('crashed', `The sandbox could not start: ${detail}`);
        for (const pending of this.queue.splice(0)) this.settle(pending, error);
        this.updateRefs();
        return;
      }
    }
    this.fillHosts();
    this.dispatch();
  }

  /** Stops a host now, failing its execution with `reason`, and starts a replacement. */
  /** Kills a host and starts its replacement; `reason` fails what it was running. */
  private killHost(host: SandboxHost, reason?: CodeError): void {
    if (host.gone) return;
    host.gone = true;
    clearTimeout(host.killTimer);
    this.hosts = this.hosts.filter((candidate) => candidate !== host);
    if (host.running && reason) this.settle(host.running, reason);
    host.running = undefined;
    host.child.kill('SIGKILL');
    this.fillHosts();
    this.dispatch();
  }

  private dispatch(): void {
    // Least recently used first: a host that just finished is still preparing its next
    // context, while one idle for longer answers at once.
    const idle = this.hosts
      .filter((host) => host.ready && !host.gone && !host.running)
      .sort((a, b) => a.lastStarted - b.lastStarted);
    for (const host of idle) {
      const pending = this.queue.shift();
      if (!pending) break;
      this.start(host, pending);
    }
    this.updateRefs();
  }

  private start(host: SandboxHost, pending: PendingExecution): void {
    host.running = pending;
    host.lastStarted = performance.now();
    const { timeoutMs } = pending.request;
    // The host stops the code itself at the deadline; this only catches a host that cannot.
    host.killTimer = setTimeout(() => {
      this.killHost(
        host,
        new CodeError(
          'timeout',
          `Execution timed out after ${timeoutMs} ms (the sandbox was killed)`,
        ),
      );
    }, timeoutMs + KILL_GRACE_MS);
    host.child.send(
      { ...pending.request, ...hostInputs(host, pending.inputs, this.heldInputChars) },
      (error) => {
        if (!error || host.running !== pending) return;
        // The request never reached the host (it is dying): run it on another one.
        host.running = undefined;
        this.queue.unshift(pending);
        this.killHost(host, new CodeError('crashed', 'The sandbox process could not be reached'));
      },
    );
  }

  private settle(pending: PendingExecution, outcome: CodeResult | CodeError): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.detachAbort();
    if (outcome instanceof CodeError) pending.reject(outcome);
    else pending.resolve(outcome);
    this.updateRefs();
  }

  /**
   * Hosts keep the worker's event loop alive only while there is work for them, so an idle
   * pool never holds a process open.
   */
  private updateRefs(): void {
    const busy = this.queue.length > 0 || this.hosts.some((host) => host.running);
    for (const { child } of this.hosts) {
      // A piped stdio stream of a child process is a net.Socket.
      const stderr = child.stderr as Socket | null;
      if (busy) {
        child.ref();
        child.channel?.ref();
        stderr?.ref();
      } else {
        child.unref();
        child.channel?.unref();
        stderr?.unref();
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new CodeError('aborted', 'The sandbox pool is closed');
  }
}

function outcomeOf(message: HostResult, pending: PendingExecution): CodeResult | CodeError {
  const { compiled } = pending;
  if (message.ok) {
    try {
      return { output: JSON.parse(message.outputJson ?? 'null'), durationMs: message.durationMs };
    } catch {
      return new CodeError('output', 'The return value could not be read back as JSON');
    }
  }
  const kind = message.kind ?? 'crashed';
  const text = message.message ?? 'The sandbox failed without a message';
  const stack = message.userStack;
  if (kind === 'syntax') {
    // esbuild accepted it but QuickJS did not: report QuickJS's position in the user's source.
    const position = stack ? compiled.firstPosition(stack) : undefined;
    const where = position ? ` (line ${position.line}, column ${position.column})` : '';
    return new CodeError('syntax', `${text}${where}`, position ? { position } : {});
  }
  return new CodeError(kind, text, stack ? { userStack: compiled.mapStack(stack) } : {});
}

/**
 * The inputs, serialised. A plain record (the usual case: the outputs of
 * upstream nodes by node id) becomes each input's own JSON text, so the
 * sandbox parses an input only when the code reads it: a for-each item
 * receives its for-each's whole upstream list, which its code rarely
 * touches, and parsing 10,000 elements cost more than the rest of a no-op
 * execution. A value the worker shares between executions (immutableValues)
 * is serialised once, and sent to each host once (hostInputs).
 */
function inputTexts(inputs: unknown): InputTexts {
  const prototype = inputs !== null && typeof inputs === 'object' && Object.getPrototypeOf(inputs);
  if ((prototype === Object.prototype || prototype === null) && !('toJSON' in (inputs as object))) {
    const texts: [string, string | SharedText][] = [];
    try {
      for (const [key, value] of Object.entries(inputs as Record<string, unknown>)) {
        if (typeof value === 'object' && value !== null && immutableValues.has(value)) {
          texts.push([key, sharedText(value)]);
          continue;
        }
        // Wrapped, so the value serialises as it would inside the whole
        // (toJSON gets its key); what JSON leaves out of an object
        // (undefined, functions) is left out here too.
        const text = JSON.stringify({ [key]: value });
        if (text !== '{}') texts.push([key, text.slice(JSON.stringify(key).length + 2, -1)]);
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CodeError('error', `The inputs are not JSON-serialisable: ${reason}`);
    }
    return { byKey: true, texts };
  }
  return { byKey: false, json: jsonText(inputs, 'inputs') };
}

/**
 * The inputs for this host: shared texts it holds are named by id, the others
 * are sent for it to keep, and the least recently used it holds beyond
 * `limit` characters are forgotten (never one this execution names).
 */
function hostInputs(host: SandboxHost, inputs: InputTexts, limit: number): HostInputs {
  if (!inputs.byKey) return { inputsJson: inputs.json, inputsByKey: false };
  const record: Record<string, string | number> = {};
  const keepTexts: SharedText[] = [];
  const named = new Set<number>();
  for (const [key, text] of inputs.texts) {
    if (typeof text === 'string') {
      record[key] = text;
      continue;
    }
    record[key] = text.id;
    named.add(text.id);
    if (host.held.delete(text.id)) {
      host.held.set(text.id, text.text.length);
      continue;
    }
    keepTexts.push(text);
    host.held.set(text.id, text.text.length);
    host.heldChars += text.text.length;
  }
  const dropTexts: number[] = [];
  for (const [id, chars] of host.held) {
    if (host.heldChars <= limit) break;
    if (named.has(id)) continue;
    host.held.delete(id);
    host.heldChars -= chars;
    dropTexts.push(id);
  }
  return {
    inputsJson: JSON.stringify(record),
    inputsByKey: true,
    ...(keepTexts.length > 0 && { keepTexts }),
    ...(dropTexts.length > 0 && { dropTexts }),
  };
}

const sharedTexts = new WeakMap<object, SharedText>();
let nextSharedTextId = 1;

/** The JSON of a value in immutableValues, made once (plain data: no toJSON to ask). */
function sharedText(value: object): SharedText {
  let shared = sharedTexts.get(value);
  if (shared === undefined) {
    shared = { id: nextSharedTextId++, text: JSON.stringify(value) };
    sharedTexts.set(value, shared);
  }
  return shared;
}

function jsonText(value: unknown, what: string): string {
  try {
    return JSON.stringify(value ?? null);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CodeError('error', `The ${what} are not JSON-serialisable: ${reason}`);
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CodeError('aborted', 'The execution was cancelled');
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
