import type { TaskTypeLookup } from '@/server/engine/document';
import { branchTask, codeTask, delayTask, httpTask } from './core';
import type { TaskDefinition } from './define';
import { filesTask } from './files';
import { notifyTask } from './notify';
import { approvalTask, forEachTask, subflowTask } from './orchestration';
import { SHELL_DISABLED_REASON, shellTask } from './shell';
import { sqlTask } from './sql';

/** Built-in task types, in palette order, all enabled. */
export const builtinTaskDefinitions: readonly TaskDefinition[] = [
  codeTask,
  httpTask,
  branchTask,
  delayTask,
  shellTask,
  filesTask,
  sqlTask,
  notifyTask,
  subflowTask,
  forEachTask,
  approvalTask,
];

export class TaskCatalog implements TaskTypeLookup {
  private readonly byType = new Map<string, TaskDefinition>();

  constructor(definitions: readonly TaskDefinition[]) {
    for (const def of definitions) {
      if (this.byType.has(def.type)) throw new Error(`Task type "${def.type}" is defined twice`);
      this.byType.set(def.type, def);
    }
  }

  get(type: string): TaskDefinition | undefined {
    return this.byType.get(type);
  }

  list(): TaskDefinition[] {
    return [...this.byType.values()];
  }

  configSchema(type: string) {
    return this.byType.get(type)?.config;
  }

  handles(type: string) {
    return this.byType.get(type)?.handles;
  }
}

/**
 * The built-in catalog as this server offers it. A disabled type stays in
 * the catalog (documents using it are still valid: another server may run
 * them) and carries the reason, for the palette.
 */
export function createBuiltinCatalog(options: { allowShell: boolean }): TaskCatalog {
  return new TaskCatalog(
    builtinTaskDefinitions.map((def) =>
      def.type === shellTask.type && !options.allowShell
        ? { ...def, disabledReason: SHELL_DISABLED_REASON }
        : def,
    ),
  );
}

/** Every built-in type enabled: for validating documents and drawing them, which never run anything. */
export const builtinCatalog = createBuiltinCatalog({ allowShell: true });
