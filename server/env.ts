import path from 'node:path';
import { z } from 'zod';

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
  /** Task attempts one worker process runs at once. */
  PIPEWRIGHT_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** A task output larger than this (bytes of JSON) fails the task. */
  PIPEWRIGHT_MAX_OUTPUT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  PIPEWRIGHT_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Enables the `shell` task type; off by default because it runs host commands. */
  PIPEWRIGHT_ALLOW_SHELL: booleanFlag,
  /** Set by the test runner to the embedded server it booted for the suite. */
  PIPEWRIGHT_TEST_DATABASE_URL: z.string().optional(),
  /** Tests: a server URL to use instead of booting an embedded one for the suite. */
  TEST_DATABASE_URL: z.string().optional(),
  /** Tests: an external PostgreSQL (user with CREATEDB) for the DATABASE_URL start-up test. */
  TEST_EXTERNAL_DATABASE_URL: z.string().optional(),
});

export type Env = z.infer<typeof envSchema> & { dataDir: string; publicUrl: string };

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
  cached = {
    ...e,
    dataDir: path.resolve(e.PIPEWRIGHT_DATA_DIR),
    publicUrl: (e.PIPEWRIGHT_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
  };
  return cached;
}

/** Command-line tools and tests override settings in-process, before first use. */
export function overrideEnv(values: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  cached = undefined;
}
