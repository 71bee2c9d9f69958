import { type NextRequest, NextResponse } from 'next/server';
import { PATH_HEADER } from '@/server/auth/public-paths';

/**
 * Tells the root layout which page is being rendered (layouts are not given
 * the path), so it can send signed-out visitors to sign in. The real checks
 * — the session, the role — happen in the layout and in every API call.
 */
export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set(PATH_HEADER, `${request.nextUrl.pathname}${request.nextUrl.search}`);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  // Pages only: not API routes, Next's own files, or files with an extension.
  matcher: ['/((?!api/|_next/|.*\\.[A-Za-z0-9]+$).*)'],
};
