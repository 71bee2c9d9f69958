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

/**
 * A share token that is unknown, revoked or expired. All three get the same
 * answer, so a holder learns nothing about links they do not have.
 */
export class ShareLinkNotFoundError extends NotFoundError {
  constructor() {
    super('Share link', '');
    this.message = 'This share link does not exist, was revoked, or has expired';
  }
}
