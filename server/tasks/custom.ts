import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { createBuiltinCatalog, TaskCatalog } from './catalog';
import type { TaskDefinition } from './define';
import type { TaskRunContext, TaskRunner } from './runner';
import { builtinRunners } from './runners';

/**
 * A team's own task type, written in TypeScript:
 *
 *   import { z } from 'zod';
 *   import { defineTask } from 'pipewright/tasks';
 *   export default defineTask({
 *     type: 'word-count', title: 'Word count', category: 'Custom',
 *     config: z.object({ text: z.string() }),
 *     run: ({ config }) => ({ words: config.text.split(/\s+/).filter(Boolean).length }),
 *   });
 *
 * `run` gets the same context as a built-in type (resolved config, inputs,
 * params, log, an abort signal); what it returns (JSON) is the output;
 * what it throws fails the attempt (and is retried per the node's policy).
 */
export interface CustomTask<Config extends z.ZodType = z.ZodType> {
  type: string;
  title: string;
  description?: string;
  category?: TaskDefinition['category'];
  icon?: string;
  config: Config;
  defaults?: z.input<Config>;
  run(ctx: TaskRunContext<z.output<Config>>): unknown | Promise<unknown>;
}

export function defineTask<Config extends z.ZodType>(task: CustomTask<Config>): CustomTask<Config> {
  return task;
}

const TYPE_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;
const SOURCE_FILE = /\.(ts|mts|js|mjs)$/;

function isCustomTask(value: unknown): value is CustomTask {
  const v = value as Partial<CustomTask> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.type === 'string' &&
    typeof v.run === 'function' &&
    typeof (v.config as { safeParse?: unknown } | undefined)?.safeParse === 'function'
  );
}

export interface LoadedTasks {
  catalog: TaskCatalog;
  runners: ReadonlyMap<string, TaskRunner<never>>;
  /** Custom types found, by file. */
  loaded: { type: string; file: string }[];
  /** Files that could not be used, with why: shown at start, never silently skipped. */
  problems: string[];
}

/**
 * The task catalog of this process: the built-in types plus every custom
 * type exported by a `.ts`/`.js` file directly in `dir` (when given).
 */
export async function loadTaskTypes(options: {
  allowShell: boolean;
  dir?: string;
}): Promise<LoadedTasks> {
  const builtins = createBuiltinCatalog({ allowShell: options.allowShell });
  const definitions = [...builtins.list()];
  const runners = new Map(builtinRunners);
  const loaded: LoadedTasks['loaded'] = [];
  const problems: string[] = [];

  if (options.dir) {
    let files: string[] = [];
    try {
      files = (await readdir(options.dir))
        .filter((f) => SOURCE_FILE.test(f) && !/\.(test|d)\./.test(f))
        .sort();
    } catch (err) {
      problems.push(`custom task directory ${options.dir}: ${(err as Error).message}`);
    }
    for (const file of files) {
      const full = path.resolve(options.dir, file);
      let module: Record<string, unknown>;
      try {
        module = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
      } catch (err) {
        problems.push(`${full} failed to load: ${(err as Error).message.split('\n')[0]}`);
        continue;
      }
      const tasks = Object.values(module).filter(isCustomTask);
      if (tasks.length === 0) {
        problems.push(
          `${full} exports no task (export default defineTask({ type, title, config, run }))`,
        );
      }
      for (const task of tasks) {
        if (!TYPE_PATTERN.test(task.type)) {
          problems.push(
            `${full}: type "${task.type}" must be 2-63 lowercase letters, digits or "-"`,
          );
          continue;
        }
        if (runners.has(task.type)) {
          problems.push(
            `${full}: type "${task.type}" is already defined${builtins.get(task.type) ? ' (built in)' : ''}`,
          );
          continue;
        }
        definitions.push({
          type: task.type,
          title: task.title,
          description: task.description ?? `Custom task from ${file}`,
          category: task.category ?? 'Custom',
          icon: task.icon ?? '◆',
          config: task.config,
          defaults: task.defaults ?? {},
        });
        runners.set(task.type, {
          type: task.type,
          async run(ctx) {
            return { output: (await task.run(ctx as TaskRunContext<never>)) ?? null };
          },
        } as TaskRunner<never>);
        loaded.push({ type: task.type, file: full });
      }
    }
  }
  return { catalog: new TaskCatalog(definitions), runners, loaded, problems };
}
