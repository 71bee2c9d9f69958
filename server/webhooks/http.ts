import { findUnstorableText } from '@/server/api/storable-text';
import { env } from '@/server/env';
import { InvalidInputError, NotFoundError } from '@/server/errors';
import type { EngineDeps } from '@/server/execution/deps';
import { findFlowByWebhookToken } from './find';
import { startRunFromWebhook } from './trigger';

/** Parameters are small; anything bigger is a mistake, not a payload to store. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

const jsonHeaders = { 'cache-control': 'no-store' };

function reply(status: number, body: unknown, headers: Record<string, string> = {}) {
  return Response.json(body, { status, headers: { ...jsonHeaders, ...headers } });
}

export function methodNotAllowed(): Response {
  return reply(405, { error: 'Webhooks take POST only' }, { allow: 'POST' });
}

class BodyTooLarge extends Error {}

/** The body as text, refusing (without reading it all) one over the limit. */
async function readBody(request: Request): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_WEBHOOK_BODY_BYTES) throw new BodyTooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_WEBHOOK_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

type ParsedBody = { params: Record<string, unknown> } | { problem: string };

function parseParams(text: string): ParsedBody {
  if (text.trim() === '') return { params: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: `The body is not valid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return {
      problem: `The body must be a JSON object of parameters, like {"name": "value"}; got ${got}`,
    };
  }
  return { params: value as Record<string, unknown> };
}

/** Where teammates open the run: PIPEWRIGHT_PUBLIC_URL when set, else the address the caller used. */
function runUrl(request: Request, runId: string): string {
  const configured = env().PIPEWRIGHT_PUBLIC_URL?.replace(/\/$/, '');
  if (configured) return `${configured}/runs/${runId}`;
  // Next.js rewrites request.url to its own hostname; the Host header is
  // the address the caller actually used (it is only echoed back to them).
  const url = new URL(request.url);
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? url.host;
  const proto = request.headers.get('x-forwarded-proto') ?? url.protocol.replace(/:$/, '');
  return `${proto}://${host}/runs/${runId}`;
}

/**
 * POST /api/hooks/<token>: a JSON object body is the run's parameters.
 * 201 { runId, runUrl }; 400 { error, field } names what is wrong with the
 * body; 404 for a token that is not (or no longer) a flow's; 413 for a body
 * over 1 MiB. Client mistakes never become a 500.
 */
export async function handleWebhookRequest(
  deps: EngineDeps,
  token: string,
  request: Request,
): Promise<Response> {
  const notFound = () =>
    reply(404, { error: 'No flow has this webhook (or its token was regenerated)' });
  if (!(await findFlowByWebhookToken(deps.db, token))) return notFound();

  let text: string;
  try {
    text = await readBody(request);
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      return reply(413, {
        error: `The body is over ${MAX_WEBHOOK_BODY_BYTES} bytes; webhook parameters must be smaller`,
        field: 'body',
      });
    }
    return reply(400, { error: 'The body could not be read', field: 'body' });
  }
  const parsed = parseParams(text);
  if ('problem' in parsed) return reply(400, { error: parsed.problem, field: 'body' });
  // Text PostgreSQL cannot store (NUL, unpaired surrogates) is refused here,
  // naming the parameter, instead of failing in the database.
  for (const [name, value] of Object.entries(parsed.params)) {
    const unstorable = findUnstorableText(value, [name]) ?? findUnstorableText({ [name]: 0 });
    if (unstorable) return reply(400, { error: `Parameter ${unstorable}`, field: name });
  }

  try {
    const { runId } = await startRunFromWebhook(deps, token, parsed.params);
    return reply(201, { runId, runUrl: runUrl(request, runId) });
  } catch (err) {
    if (err instanceof NotFoundError) return notFound();
    if (err instanceof InvalidInputError && err.issues.length > 0) {
      const issues = err.issues.map((issue) => ({
        field: issue.path.replace(/^params\./, ''),
        message: issue.message,
      }));
      return reply(400, { error: err.message, field: issues[0]!.field, issues });
    }
    // The flow cannot run as saved (no tasks): the caller did nothing wrong.
    if (err instanceof InvalidInputError) return reply(409, { error: err.message });
    console.error('[webhook] starting a run failed:', err);
    return reply(500, { error: 'Internal error; the server log has details' });
  }
}
