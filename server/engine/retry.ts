import type { FlowDocument, FlowNode } from './document';

/** A node's run-time settings with every default applied. */
export interface NodeSettings {
  retries: number;
  delaySeconds: number;
  backoff: 'fixed' | 'exponential';
  /** 0..1: each delay is spread uniformly within ±jitter·delay. */
  jitter: number;
  maxDelaySeconds: number;
  cache: {
    enabled: boolean;
    /** null: a cached value never expires. */
    ttlSeconds: number | null;
    version: string;
  };
  timeoutSeconds: number | null;
  concurrencyTag: string | null;
  pool: string | null;
}

export const DEFAULT_MAX_DELAY_SECONDS = 3600;

/**
 * The document leaves optional settings absent (so export(import(doc)) is
 * doc); the defaults are applied here, when a run is planned.
 */
export function nodeSettings(node: FlowNode, flow: FlowDocument): NodeSettings {
  const retry = node.retry ?? {};
  const delaySeconds = retry.delaySeconds ?? 1;
  return {
    retries: retry.retries ?? 0,
    delaySeconds,
    backoff: retry.backoff ?? 'fixed',
    jitter: retry.jitter ?? 0,
    // The default cap only limits growth: it never shortens a fixed delay the
    // user wrote above an hour. An explicit cap is honoured as written.
    maxDelaySeconds: retry.maxDelaySeconds ?? Math.max(DEFAULT_MAX_DELAY_SECONDS, delaySeconds),
    cache: {
      enabled: node.cache?.enabled ?? false,
      ttlSeconds: node.cache?.ttlSeconds ?? null,
      version: node.cache?.version === undefined ? '' : String(node.cache.version),
    },
    timeoutSeconds: node.timeoutSeconds ?? null,
    concurrencyTag: node.concurrencyTag ?? null,
    pool: node.pool ?? flow.settings?.pool ?? null,
  };
}

/**
 * How long to wait before the attempt after `failedAttempt` (1-based).
 * Exponential backoff doubles the delay each attempt up to maxDelaySeconds;
 * jitter then spreads it uniformly within ±jitter·delay so that tasks that
 * failed together do not retry together. Whole milliseconds, never negative.
 */
export function retryDelayMs(
  settings: Pick<NodeSettings, 'delaySeconds' | 'backoff' | 'jitter' | 'maxDelaySeconds'>,
  failedAttempt: number,
  random: () => number = Math.random,
): number {
  // Lenient on odd attempt numbers (0, NaN): this runs on the failure path of
  // a worker, where throwing would strand the task. The exponent is bounded so
  // 0 · 2^n stays 0 instead of 0 · Infinity = NaN.
  const exponent = Math.min(Math.max(Math.floor(failedAttempt) - 1, 0), 1000) || 0;
  const growth = settings.backoff === 'exponential' ? 2 ** exponent : 1;
  const delaySeconds = Math.min(settings.delaySeconds * growth, settings.maxDelaySeconds);
  const jitter = Math.min(Math.max(settings.jitter, 0), 1);
  const raw = random();
  const r = Number.isFinite(raw) ? Math.min(Math.max(raw, 0), 1) : 0.5;
  const spread = delaySeconds * jitter * (2 * r - 1);
  return Math.max(0, Math.round((delaySeconds + spread) * 1000));
}

/** Whether the attempt that just failed leaves another: 1 + retries attempts in all. */
export function shouldRetry(
  settings: Pick<NodeSettings, 'retries'>,
  failedAttempt: number,
): boolean {
  return failedAttempt < 1 + settings.retries;
}
