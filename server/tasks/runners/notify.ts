import { z } from 'zod';
import type { TaskRunner } from '../runner';
import { PermanentTaskError, TaskTimeoutError } from '../runner';
import { abortReason, effectiveTimeoutMs, parseResolvedConfig } from './config';

/** A webhook that has not answered in this long is not going to. */
export const DEFAULT_NOTIFY_TIMEOUT_MS = 30_000;
/** Of an error response's body, quoted in the failure. */
const BODY_SNIPPET_CHARS = 300;

/** A template can give a list or an object (the files a copy made): sent as JSON. */
const textLike = z
  .unknown()
  .transform((v) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2)));
const notifyConfigSchema = z.object({
  url: z.string().url('must be an http:// or https:// URL'),
  text: textLike,
  title: textLike.optional(),
});

/** Reads at most `limit` characters of a body, then lets the rest go. */
async function readSnippet(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/**
 * Posts `{ "text": … }` to an incoming webhook. The URL's path is the
 * webhook's secret (Slack's is), so messages name only its host.
 */
export const notifyRunner: TaskRunner = {
  type: 'notify',
  async run(ctx) {
    const config = parseResolvedConfig('notify', notifyConfigSchema, ctx.config);
    const url = new URL(config.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new PermanentTaskError(
        `notify: config.url must be http:// or https://, got ${url.protocol}`,
      );
    }
    const where = url.host;
    const text = config.title ? `*${config.title}*\n${config.text}` : config.text;
    const limitMs = Math.min(
      effectiveTimeoutMs(undefined, ctx.timeoutMs) ?? DEFAULT_NOTIFY_TIMEOUT_MS,
      DEFAULT_NOTIFY_TIMEOUT_MS,
    );
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(limitMs)]),
      });
    } catch (err) {
      if (ctx.signal.aborted) throw abortReason(ctx.signal);
      if ((err as Error).name === 'TimeoutError') {
        throw new TaskTimeoutError(
          `the webhook at ${where} did not answer within ${limitMs / 1000} s`,
        );
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(
        `posting to the webhook at ${where} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      );
    }
    const body = await readSnippet(res, BODY_SNIPPET_CHARS);
    const ms = Math.round(performance.now() - started);
    if (!res.ok) {
      const message = `the webhook at ${where} answered ${res.status} ${res.statusText}${body ? `: ${body}` : ''}`;
      // Rate limits and server errors pass; a wrong URL or a revoked hook does not.
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      throw retryable ? new Error(message) : new PermanentTaskError(message);
    }
    ctx.log(
      'info',
      `posted ${text.length} characters to the webhook at ${where} → ${res.status} in ${ms} ms`,
    );
    return { output: { status: res.status, text } };
  },
};
