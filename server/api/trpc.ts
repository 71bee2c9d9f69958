import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z } from 'zod';
import {
  type Caller,
  callerCan,
  callerFromRequest,
  callerRole,
  type SignedInCaller,
  systemCaller,
} from '@/server/auth/caller';
import type { WorkspaceRole } from '@/server/auth/roles';
import type { DocumentIssue } from '@/server/engine/document';
import { ConflictError, InvalidInputError, NotFoundError } from '@/server/errors';
import { getRuntime, type Runtime } from '@/server/runtime';
import { findUnstorableText } from './storable-text';

export interface Context {
  runtime: Runtime;
  /** Where the HTTP request came to (`https://host`), for links; absent for in-process callers. */
  requestOrigin?: string;
  /** Who is calling: a signed-in user (session or API key), anonymous, or in-process code. */
  caller: Caller;
  /** A cookie-authenticated request from another site: mutations are refused (CSRF). */
  crossSite: boolean;
}

/** The context of an HTTP request: its session cookie or API key decides the caller. */
export async function createRequestContext(
  request: Request,
  runtime: Runtime = getRuntime(),
): Promise<Context> {
  return {
    runtime,
    requestOrigin: originOf(request),
    ...(await callerFromRequest(runtime, request)),
  };
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

/** A context for a given caller (tests, and code that acts for someone). */
export function contextFor(runtime: Runtime, caller: Caller): Context {
  return { runtime, caller, crossSite: false };
}

/** Trusted in-process callers (the CLI's local mode, tests, benchmarks): owner rights. */
export function systemContext(runtime: Runtime): Context {
  return contextFor(runtime, systemCaller);
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error, ctx }) {
    const cause = error.cause;
    // Stacks (development builds only) are for signed-in people, never anonymous callers.
    const { stack: _stack, ...data } = shape.data;
    const signedIn = ctx !== undefined && ctx.caller.kind !== 'anonymous';
    return {
      ...shape,
      data: {
        ...(signedIn ? shape.data : data),
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

/**
 * Refuses callers below `needed` before anything else runs — input parsing
 * included, so an anonymous caller learns nothing from validation errors.
 */
/** Throws unless the context's caller may make a call of `type` needing `needed`. */
export function assertRole(
  ctx: Context,
  type: 'query' | 'mutation' | 'subscription',
  needed: WorkspaceRole,
): asserts ctx is Context & { caller: SignedInCaller } {
  const { caller } = ctx;
  if (caller.kind === 'anonymous') {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: caller.reason ?? 'Sign in first' });
  }
  if (type === 'mutation' && ctx.crossSite) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Cross-site request refused' });
  }
  if (!callerCan(caller, needed)) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `This needs the ${needed} role (you are ${callerRole(caller)})`,
    });
  }
}

function requireRole(needed: WorkspaceRole) {
  return t.middleware(({ ctx, type, next }) => {
    assertRole(ctx, type, needed);
    return next({ ctx: { ...ctx, caller: ctx.caller } });
  });
}

/**
 * Refuses input holding text the database cannot store (NUL, unpaired
 * surrogates), naming the field, instead of failing inside a query. Runs
 * after the role check, so an anonymous caller learns nothing from it.
 */
export const refuseUnstorableText = t.middleware(async ({ getRawInput, next }) => {
  const problem = findUnstorableText(await getRawInput());
  if (problem) throw new InvalidInputError(problem);
  return next();
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
/**
 * Anyone, signed in or not. Only for what an anonymous visitor may see by
 * design (e.g. a share link's run); each one must be listed in
 * tests/auth/router-authorization.test.ts with the reason.
 */
export const publicProcedure = t.procedure.use(mapServiceErrors);
/** Reading: every signed-in member (viewers, editors, owners). */
export const viewerProcedure = publicProcedure.use(requireRole('viewer')).use(refuseUnstorableText);
/** Creating, editing, running, cancelling, scheduling, sharing: editors and owners. */
export const editorProcedure = publicProcedure.use(requireRole('editor')).use(refuseUnstorableText);
/** Members, secrets, settings: owners only. */
export const ownerProcedure = publicProcedure.use(requireRole('owner')).use(refuseUnstorableText);
