import { isTRPCClientError } from '@trpc/client';
import type { AppRouter } from '@/server/api/root';
import type { DocumentIssue } from '@/server/engine/document';

export interface ApiErrorDetails {
  /** tRPC code: NOT_FOUND, CONFLICT, BAD_REQUEST, … (undefined for network failures). */
  code: string | undefined;
  message: string;
  /** Per-field messages of a rejected input: { name: ['Name is required'] }. */
  fieldErrors: Partial<Record<string, string[]>>;
  /** Every problem of a rejected flow document, each naming its node or edge. */
  documentIssues: DocumentIssue[];
}

/** What the UI needs from any error a tRPC call can throw. */
export function apiErrorDetails(error: unknown): ApiErrorDetails {
  if (isTRPCClientError<AppRouter>(error)) {
    return {
      code: error.data?.code,
      message: error.message,
      fieldErrors: error.data?.zodError?.fieldErrors ?? {},
      documentIssues: error.data?.documentIssues ?? [],
    };
  }
  return {
    code: undefined,
    message: error instanceof Error ? error.message : 'Something went wrong',
    fieldErrors: {},
    documentIssues: [],
  };
}

export function isNotFound(error: unknown): boolean {
  return apiErrorDetails(error).code === 'NOT_FOUND';
}
