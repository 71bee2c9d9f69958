// The sandbox for untrusted user code: `code` task bodies and branch conditions.
export { CodeError, type CodeErrorKind, type SourcePosition } from './code-error';
export type { CodeLanguage } from './compile';
export {
  type CodeExecution,
  type CodeResult,
  DEFAULT_CONDITION_TIMEOUT_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_MEMORY_LIMIT_BYTES,
  DEFAULT_POOL_SIZE,
  type SandboxLog,
  SandboxPool,
  type SandboxPoolOptions,
} from './pool';
