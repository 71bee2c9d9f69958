import type { TaskRunner } from '../runner';
import { PermanentTaskError, TaskTimeoutError } from '../runner';

interface HttpConfig {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutSeconds?: number | string;
  responseType?: 'auto' | 'json' | 'text';
  allowErrorStatus?: boolean;
}

const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

export const httpRunner: TaskRunner<HttpConfig> = {
  type: 'http',
  async run(ctx) {
    const { config } = ctx;
    const method = (config.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(config.url);
    } catch {
      throw new PermanentTaskError(`url ${JSON.stringify(config.url)} is not a valid URL`);
    }
    const headers = new Headers(config.headers ?? {});
    let body: string | undefined;
    if (
      config.body !== undefined &&
      config.body !== null &&
      method !== 'GET' &&
      method !== 'HEAD'
    ) {
      if (typeof config.body === 'string') {
        body = config.body;
      } else {
        body = JSON.stringify(config.body);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
    }
    const ownTimeout =
      config.timeoutSeconds === undefined ? null : Number(config.timeoutSeconds) * 1000;
    const limit = [ownTimeout, ctx.timeoutMs].filter(
      (v): v is number => v !== null && Number.isFinite(v),
    );
    const signals = [ctx.signal];
    if (limit.length > 0) signals.push(AbortSignal.timeout(Math.min(...limit)));
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body,
        signal: AbortSignal.any(signals),
        redirect: 'follow',
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        throw new TaskTimeoutError(
          `${method} ${url.origin}${url.pathname} did not answer within ${Math.min(...limit) / 1000} s`,
        );
      }
      if (ctx.signal.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(
        `${method} ${url.origin}${url.pathname} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      );
    }
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > MAX_RESPONSE_BYTES) {
      throw new Error(`the response is ${length} bytes, over the ${MAX_RESPONSE_BYTES} byte limit`);
    }
    const text = method === 'HEAD' ? '' : await res.text();
    const ms = Math.round(performance.now() - started);
    ctx.log(
      res.ok ? 'info' : 'warn',
      `${method} ${url.origin}${url.pathname} → ${res.status} in ${ms} ms`,
    );
    const contentType = res.headers.get('content-type') ?? '';
    const wantJson =
      config.responseType === 'json' ||
      ((config.responseType ?? 'auto') === 'auto' && /[/+]json\b/.test(contentType));
    let parsed: unknown = text;
    if (wantJson && text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (config.responseType === 'json')
          throw new Error(`the response is not valid JSON: ${text.slice(0, 200)}`);
      }
    }
    if (!res.ok && !config.allowErrorStatus) {
      const snippet =
        typeof parsed === 'string' ? parsed.slice(0, 500) : JSON.stringify(parsed).slice(0, 500);
      throw new Error(
        `${method} ${url.origin}${url.pathname} answered ${res.status} ${res.statusText}: ${snippet}`,
      );
    }
    return {
      output: { status: res.status, headers: Object.fromEntries(res.headers), body: parsed },
    };
  },
};
