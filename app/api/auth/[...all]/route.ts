import { toNextJsHandler } from 'better-auth/next-js';
import { getAuth } from '@/server/auth/auth';

export const dynamic = 'force-dynamic';

/** better-auth's endpoints: sign-up, sign-in, sign-out, session (it checks origins itself). */
const handler = (request: Request) => getAuth().handler(request);

export const { GET, POST } = toNextJsHandler(handler);
