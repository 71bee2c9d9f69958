/**
 * Next.js answers a method a route does not export with a bare 405 (no
 * body). Routes export this for the other methods instead, so the answer
 * says which ones the address takes.
 */
export function methodNotAllowed(allowed: string): () => Response {
  return () =>
    Response.json(
      { error: `This address takes ${allowed} only` },
      { status: 405, headers: { allow: allowed, 'cache-control': 'no-store' } },
    );
}
