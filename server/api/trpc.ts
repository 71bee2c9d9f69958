import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z } from 'zod';
import type { DocumentIssue } from '@/server/engine/document';
import { ConflictError, InvalidInputError, NotFoundError } from '@/server/errors';
import { getRuntime, type Runtime } from '@/server/runtime';

export interface Context {
  runtime: Runtime;
  /** Where the HTTP request came to (`https://host`), for links; absent for in-process callers. */
  requestOrigin?: string;
}

export function createContext(runtime: Runtime = getRuntime(), request?: Request): Context {
  return { runtime, requestOrigin: request ? originOf(request) : undefined };
}

/** The browser's Origin header (sent with tRPC's POSTs), else the request URL's origin. */
function originOf(request: Request): string | undefined {
  const origin = request.headers.get('origin');
  if (origin && /^https?:\/\/[^/]+$/.test(origin)) return origin;
  try {
    return new URL(request.url).origin;
  } catch {
    return undefined;
  }
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        // Field-level messages for forms: { fieldErrors: { name: [...] } }
        zodError: cause instanceof z.ZodError ? z.flattenError(cause) : null,
        documentIssues:
          cause instanceof InvalidInputError ? cause.issues : (null as DocumentIssue[] | null),
      },
    };
  },
});

/**
 * Service errors become API errors here and only here. Anything unexpected
 * is logged and reported as INTERNAL_SERVER_ERROR without its message, which
 * may carry internals.
 */
const mapServiceErrors = t.middleware(async ({ next, path }) => {
  const result = await next();
  if (result.ok) return result;
  const error = result.error;
  const cause = error.cause;
  if (cause instanceof NotFoundError)
    throw new TRPCError({ code: 'NOT_FOUND', message: cause.message, cause });
  if (cause instanceof ConflictError)
    throw new TRPCError({ code: 'CONFLICT', message: cause.message, cause });
  if (cause instanceof InvalidInputError)
    throw new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause });
  if (error.code === 'INTERNAL_SERVER_ERROR') {
    console.error(`[api] ${path} failed:`, cause ?? error);
    throw new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal error; the server log has details',
    });
  }
  throw error;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapServiceErrors);
