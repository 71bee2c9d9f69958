import type { z } from 'zod';
import { PermanentTaskError } from '../runner';

/**
 * Checks a config after its templates were resolved: a document is validated
 * when saved, but a template can give any type at run time.
 */
export function parseResolvedConfig<Schema extends z.ZodType>(
  type: string,
  schema: Schema,
  config: unknown,
): z.output<Schema> {
  const parsed = schema.safeParse(config);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = ['config', ...(issue?.path ?? []).map(String)].join('.');
  throw new PermanentTaskError(`${type}: ${field} ${issue?.message ?? 'is invalid'}`);
}

/** The tighter of a task's own limit and the attempt's time left; null when neither is set. */
export function effectiveTimeoutMs(
  ownSeconds: number | undefined,
  attemptMs: number | null,
): number | null {
  const limits = [ownSeconds === undefined ? null : ownSeconds * 1000, attemptMs].filter(
    (v): v is number => v !== null && Number.isFinite(v),
  );
  return limits.length === 0 ? null : Math.min(...limits);
}

/** The reason an aborted signal carries, as an Error to throw. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the task was aborted');
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
