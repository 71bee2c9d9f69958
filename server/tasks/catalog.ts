import type { TaskTypeLookup } from '@/server/engine/document';
import { branchTask, codeTask, delayTask, httpTask } from './core';
import type { TaskDefinition } from './define';

/** Built-in task types, in palette order. */
export const builtinTaskDefinitions: readonly TaskDefinition[] = [
  codeTask,
  httpTask,
  branchTask,
  delayTask,
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

export const builtinCatalog = new TaskCatalog(builtinTaskDefinitions);
