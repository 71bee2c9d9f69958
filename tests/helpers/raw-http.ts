/**
 * HTTP requests exactly as written — a path fetch() would normalise (`..`,
 * `%00`, broken percent-encoding), any method, any headers, bodies of any
 * size — from a chosen loopback source address (the app rate-limits sign-in
 * per client address). Only ever aimed at the app under test on 127.0.0.1.
 */
import http from 'node:http';

export interface RawRequest {
  method?: string;
  /** Sent as is: encode what must be encoded. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** A loopback source address (127.x.y.z), for per-client limits. */
  localAddress?: string;
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The server cut the body off (a stream that failed after its headers were sent). */
  aborted: boolean;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/**
 * Sends one request to the app on 127.0.0.1:`port`. An event stream is
 * read for `streamMs` (its first events), then closed by us.
 */
export function rawRequest(port: number, req: RawRequest, streamMs = 300): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
        method: req.method ?? 'GET',
        path: req.path,
        // Node's client sends a DELETE or OPTIONS body without a length unless told.
        headers:
          req.body === undefined
            ? req.headers
            : { 'content-length': String(Buffer.byteLength(req.body)), ...req.headers },
        localAddress: req.localAddress,
        agent: req.localAddress ? false : agent,
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let aborted = false;
        let settled = false;
        const finish = () => {
          if (settled) return;
          settled = true;
          clearTimeout(streamTimer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            aborted,
          });
        };
        const isStream = String(res.headers['content-type']).startsWith('text/event-stream');
        const streamTimer = isStream
          ? setTimeout(() => {
              finish();
              res.destroy();
            }, streamMs)
          : undefined;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', finish);
        res.on('aborted', () => {
          aborted = true;
        });
        res.on('error', () => {
          aborted = true;
          finish();
        });
        res.on('close', () => {
          if (!res.complete && !settled) aborted = true;
          finish();
        });
      },
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(new Error(`${req.method} ${req.path}: timed out`)),
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** The readable reason of an error answer: a JSON `error`/`message` (anywhere inside), else the text. */
export function reasonOf(answer: RawAnswer): string {
  const text = answer.body.trim();
  try {
    const found = findMessage(JSON.parse(text), 0);
    if (found !== undefined) return found;
  } catch {
    // not JSON: the text itself is the reason
  }
  return String(answer.headers['content-type']).startsWith('application/json') ? '' : text;
}

function findMessage(value: unknown, depth: number): string | undefined {
  if (depth > 6 || value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  for (const key of ['message', 'error']) {
    const v = record[key];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  for (const v of Object.values(record)) {
    const found = findMessage(v, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
