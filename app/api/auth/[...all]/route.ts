import { toNextJsHandler } from 'better-auth/next-js';
import { getAuth } from '@/server/auth/auth';
import { methodNotAllowed } from '@/server/http/method-not-allowed';

export const dynamic = 'force-dynamic';

/** better-auth's endpoints: sign-up, sign-in, sign-out, session (it checks origins itself). */
async function handler(request: Request): Promise<Response> {
  const response = await getAuth().handler(request);
  // better-auth answers an endpoint it does not have with an empty 404.
  if (response.status === 404 && (await response.clone().text()).trim() === '') {
    return Response.json(
      { error: `No such sign-in endpoint: ${new URL(request.url).pathname}` },
      { status: 404, headers: { 'cache-control': 'no-store' } },
    );
  }
  return response;
}

export const { GET, POST } = toNextJsHandler(handler);

const getOrPost = methodNotAllowed('GET, POST');

export { getOrPost as PUT, getOrPost as PATCH, getOrPost as DELETE };
