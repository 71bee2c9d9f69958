import type { DocumentIssue } from '@/server/engine/document';

/** Errors a service verb throws on purpose; routers map them to API codes in one place. */
export class ServiceError extends Error {}

export class NotFoundError extends ServiceError {
  constructor(what: string, id: string) {
    super(`${what} ${id} was not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends ServiceError {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export class InvalidInputError extends ServiceError {
  constructor(
    message: string,
    readonly issues: DocumentIssue[] = [],
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}
