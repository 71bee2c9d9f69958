import path from 'node:path';
import { z } from 'zod';
import { POOL_NAME_PATTERN } from '@/server/engine/document';
import { parseSecretKey } from './secrets/key-format';

/**
 * The one place that reads process.env. Parsed once, on first use, so a
 * misconfiguration fails at start with the variable named.
 */
const booleanFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** Where the embedded database and other local state live. */
  PIPEWRIGHT_DATA_DIR: z.string().default('.pipewright'),
  /** `0` runs the web server without an in-process worker. */
  PIPEWRIGHT_WORKER: z
    .enum(['1', '0', 'true', 'false', ''])
    .optional()
    .transform((v) => v !== '0' && v !== 'false'),
  /** The address teammates use to open links (run pages, share links). */
  PIPEWRIGHT_PUBLIC_URL: z.string().url().optional(),
  /** A folder of custom task types (`.ts` files exporting defineTask(...)). */
  PIPEWRIGHT_TASKS_DIR: z.string().optional(),
  /** Task attempts one worker process runs at once. */
  PIPEWRIGHT_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /**
   * How far a `pipewright worker` process lowers its CPU priority (nice;
   * its sandbox hosts go 5 further), so that a web server sharing the
   * machine answers first while tasks keep the CPU busy. 0 keeps normal
   * priority. The in-process worker of `pipewright start` shares the web
   * server's process and priority.
   */
  PIPEWRIGHT_WORKER_NICENESS: z.coerce.number().int().min(0).max(19).default(5),
  /**
   * Worker pools the in-process or `pipewright worker` worker serves,
   * comma-separated (default: the default pool). `--pool` overrides it.
   */
  PIPEWRIGHT_WORKER_POOLS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== ''),
    )
    .refine(
      (pools) => pools.every((p) => POOL_NAME_PATTERN.test(p)),
      'must be pool names separated by ",": lowercase letters, digits, "-" or "_", e.g. gpu,default',
    ),
  /** A task output larger than this (bytes of JSON) fails the task. */
  PIPEWRIGHT_MAX_OUTPUT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  PIPEWRIGHT_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Enables the `shell` task type; off by default because it runs host commands. */
  PIPEWRIGHT_ALLOW_SHELL: booleanFlag,
  /**
   * The folders `files` tasks may touch, `:`-separated absolute paths; the
   * first is where relative paths start. Default: `<data dir>/files`.
   */
  PIPEWRIGHT_FILES_ROOTS: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(':').filter((p) => p.trim() !== ''))
    .refine(
      (roots) => roots.every((p) => path.isAbsolute(p)),
      'must be absolute folder paths separated by ":", e.g. /srv/exports:/srv/archive',
    ),
  /**
   * The 32-byte key that encrypts secrets, as 64 hex characters or base64.
   * Unset: one is generated into `<data dir>/secret.key` on first start.
   */
  PIPEWRIGHT_SECRET_KEY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const key = parseSecretKey(v);
      if (!key) {
        ctx.addIssue({
          code: 'custom',
          message:
            'must be 32 bytes written as 64 hex characters or base64 (generate one with `openssl rand -base64 32`)',
        });
        return z.NEVER;
      }
      return key;
    }),
  /**
   * Signs session cookies. Default: generated once into <data dir>/auth-secret.
   * Set it (32+ characters) when web processes on several machines share one database.
   */
  PIPEWRIGHT_AUTH_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** CLI: the server to talk to instead of the database (overrides `pipewright login`). */
  PIPEWRIGHT_URL: z
    .string()
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** CLI: the API key to use with PIPEWRIGHT_URL or the saved login. */
  PIPEWRIGHT_API_KEY: z
    .string()
    .regex(/^pw_[A-Za-z0-9_-]{20,}$/, 'must be a Pipewright API key (pw_…)')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** CLI: where `pipewright login` keeps the server and key. */
  PIPEWRIGHT_CREDENTIALS_FILE: z.string().optional(),
  /** CLI: the credentials file defaults to $XDG_CONFIG_HOME/pipewright/credentials.json. */
  XDG_CONFIG_HOME: z.string().optional(),
  /** Days finished runs (and their logs) are kept; `0` keeps them forever. A flow may override it. */
  PIPEWRIGHT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36500).default(30),
  /** Further tries of a run notification whose receiver fails or times out. */
  PIPEWRIGHT_NOTIFY_RETRIES: z.coerce.number().int().min(0).max(20).default(5),
  /** Seconds before the first retry of a notification; later ones back off exponentially. */
  PIPEWRIGHT_NOTIFY_RETRY_DELAY: z.coerce.number().int().min(1).max(3600).default(5),
  /**
   * Fault injection (`npm run test:faults` only): `point:probability` pairs,
   * e.g. `after-claim:0.2,after-finish:0.1`; at a listed point the process
   * SIGKILLs itself with that probability. Never set in production.
   */
  PIPEWRIGHT_FAULTS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const points = new Map<string, number>();
      for (const pair of value.split(',').filter(Boolean)) {
        const [name, chance] = pair.split(':');
        const p = Number(chance);
        if (!name || !(p >= 0 && p <= 1)) {
          ctx.addIssue({ code: 'custom', message: `"${pair}" is not point:probability (0..1)` });
          return z.NEVER;
        }
        points.set(name, p);
      }
      return points;
    }),
  /** Seed of the fault-injection dice, so a failing iteration can be replayed. */
  PIPEWRIGHT_FAULT_SEED: z.coerce.number().int().default(1),
  /** Set by the test runner to the embedded server it booted for the suite. */
  PIPEWRIGHT_TEST_DATABASE_URL: z.string().optional(),
  /** Tests: a server URL to use instead of booting an embedded one for the suite. */
  TEST_DATABASE_URL: z.string().optional(),
  /** Tests: an external PostgreSQL (user with CREATEDB) for the DATABASE_URL start-up test. */
  TEST_EXTERNAL_DATABASE_URL: z.string().optional(),
});

export type Env = z.infer<typeof envSchema> & {
  dataDir: string;
  publicUrl: string;
  /** Absolute, normalized; never empty (the default root when none is configured). */
  filesRoots: string[];
  /** Whether filesRoots is the default, which files tasks create on first use. */
  filesRootsDefaulted: boolean;
};

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `Invalid environment variable ${String(issue?.path[0] ?? '')}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.PIPEWRIGHT_DATA_DIR);
  const filesRootsDefaulted = e.PIPEWRIGHT_FILES_ROOTS.length === 0;
  cached = {
    ...e,
    dataDir,
    filesRoots: filesRootsDefaulted
      ? [path.join(dataDir, 'files')]
      : e.PIPEWRIGHT_FILES_ROOTS.map((p) => path.resolve(p)),
    filesRootsDefaulted,
    publicUrl: (e.PIPEWRIGHT_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
  };
  return cached;
}

/**
 * The environment a `shell` task's command starts with: the worker's own,
 * minus Pipewright's settings, so a command that prints its environment does
 * not print the database password. (Not a security boundary: a command can
 * still read anything the worker's user can.)
 */
export function commandEnvironment(): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key === 'DATABASE_URL') continue;
    if (key.startsWith('PIPEWRIGHT_') || /^TEST_.*DATABASE_URL$/.test(key)) continue;
    inherited[key] = value;
  }
  return inherited;
}

/** Command-line tools and tests override settings in-process, before first use. */
export function overrideEnv(values: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  cached = undefined;
}
