import type { TaskRunner } from '../runner';
import { branchRunner } from './branch';
import { codeRunner } from './code';
import { delayRunner } from './delay';
import { httpRunner } from './http';

export type AnyTaskRunner = TaskRunner<never>;

/** Runners of the built-in types, by type. Custom types add theirs at worker start. */
export const builtinRunners: ReadonlyMap<string, TaskRunner<never>> = new Map(
  [codeRunner, httpRunner, branchRunner, delayRunner].map((r) => [r.type, r as TaskRunner<never>]),
);
