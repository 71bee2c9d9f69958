import { z } from 'zod';
import { defineTaskDefinition, listOrTemplate, numberOrTemplate } from './define';

/**
 * Shown in the palette and thrown at run time when the operator has not
 * enabled shell commands on the server.
 */
export const SHELL_DISABLED_REASON =
  'Shell commands are disabled on this server; an operator can enable them with PIPEWRIGHT_ALLOW_SHELL=1';

export const shellTask = defineTaskDefinition({
  type: 'shell',
  title: 'Shell command',
  description:
    'Run a program on the worker with arguments (no shell unless asked). Output is logged; a non-zero exit fails the task.',
  category: 'Core',
  icon: '>_',
  config: z.strictObject({
    /** The program (looked up in PATH), or with `shell: true` a /bin/sh script. */
    command: z.string().min(1, 'is required, e.g. tar'),
    /** Passed as-is, one argument each: nothing in them is expanded. With `shell`, they are $1, $2, … */
    args: listOrTemplate(z.union([z.string(), z.number(), z.boolean()])).optional(),
    /** Working folder; relative paths start at the first files root. */
    cwd: z.string().min(1).optional(),
    /** Added to the worker's environment. */
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    timeoutSeconds: numberOrTemplate(
      z
        .number()
        .positive()
        .max(7 * 86_400),
    ).optional(),
    /** Run `command` through /bin/sh -c (pipes, globs, $VARS). Off by default. */
    shell: z.boolean().optional(),
  }),
  defaults: { command: 'echo', args: ['hello'] },
});
