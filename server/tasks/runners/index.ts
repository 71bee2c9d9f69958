import type { TaskRunner } from '../runner';
import { approvalRunner } from './approval';
import { branchRunner } from './branch';
import { codeRunner } from './code';
import { delayRunner } from './delay';
import { filesRunner } from './files';
import { forEachRunner } from './for-each';
import { httpRunner } from './http';
import { notifyRunner } from './notify';
import { shellRunner } from './shell';
import { sqlRunner } from './sql';
import { subflowRunner } from './subflow';

/** Runners of the built-in types, by type. Custom types add theirs at worker start. */
export const builtinRunners: ReadonlyMap<string, TaskRunner<never>> = new Map(
  [
    codeRunner,
    httpRunner,
    branchRunner,
    delayRunner,
    shellRunner,
    filesRunner,
    sqlRunner,
    notifyRunner,
    subflowRunner,
    forEachRunner,
    approvalRunner,
  ].map((r) => [r.type, r as TaskRunner<never>]),
);
