import { getRuntime } from '@/server/runtime';
import { handleWebhookRequest, methodNotAllowed } from '@/server/webhooks/http';
import { engineDeps } from '@/server/worker';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** A flow's webhook: POST starts a run with the JSON body as its parameters. */
export async function POST(request: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return handleWebhookRequest(engineDeps(getRuntime()), token, request);
}

export const GET = methodNotAllowed;
export const PUT = methodNotAllowed;
export const PATCH = methodNotAllowed;
export const DELETE = methodNotAllowed;
