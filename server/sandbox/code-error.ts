export const CODE_ERROR_KINDS = [
  'error',
  'syntax',
  'timeout',
  'memory',
  'output',
  'crashed',
  'aborted',
] as const;

export type CodeErrorKind = (typeof CODE_ERROR_KINDS)[number];

/** Where in the user's own source something went wrong (1-based). */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Why user code did not produce an output. `message` is safe to show to the user. */
export class CodeError extends Error {
  readonly kind: CodeErrorKind;
  /** The sandbox's stack trace, with positions in the user's source; for kind 'error'. */
  readonly userStack?: string;
  /** The position of a syntax error in the user's source. */
  readonly position?: SourcePosition;

  constructor(
    kind: CodeErrorKind,
    message: string,
    details: { userStack?: string; position?: SourcePosition } = {},
  ) {
    super(message);
    this.name = 'CodeError';
    this.kind = kind;
    if (details.userStack !== undefined) this.userStack = details.userStack;
    if (details.position !== undefined) this.position = details.position;
  }
}
