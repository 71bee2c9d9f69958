import { z } from 'zod';
import { defineTaskDefinition } from './define';

/** Task types that orchestrate other work: subflows, for-each, approvals. */

export const subflowTask = defineTaskDefinition({
  type: 'subflow',
  title: 'Subflow',
  description: 'Run another saved flow as a child run and wait for it, without holding a worker.',
  category: 'Control',
  icon: '⧉',
  config: z.strictObject({
    flow: z.string().trim().min(1, 'is required: the id or name of the flow to run'),
    version: z.number().int().positive().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  }),
  defaults: { flow: '' },
});

export const approvalFieldSchema = z.strictObject({
  type: z.enum(['string', 'number', 'boolean']),
  label: z.string().optional(),
  description: z.string().optional(),
  required: z.boolean().optional(),
});
export type ApprovalField = z.infer<typeof approvalFieldSchema>;

export const approvalTask = defineTaskDefinition({
  type: 'approval',
  title: 'Approval',
  description: 'Pause until someone approves or rejects; the form values become the output.',
  category: 'Control',
  icon: '✋',
  config: z.strictObject({
    message: z.string().min(1, 'is required: what should the approver decide?'),
    fields: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'is not a valid field name'),
        approvalFieldSchema,
      )
      .optional(),
    timeoutSeconds: z
      .number()
      .positive()
      .max(90 * 86_400)
      .optional(),
  }),
  defaults: { message: 'Continue?' },
});

/** The task a for-each runs per item: any type but another for-each. */
const forEachInnerTask = z.strictObject({
  type: z
    .string()
    .min(1)
    .refine((t) => t !== 'for-each', 'cannot itself be for-each (nest a subflow instead)'),
  config: z.record(z.string(), z.unknown()).optional(),
});

/** Items of a for-each running at once when its config does not say. */
export const DEFAULT_FOR_EACH_CONCURRENCY = 10;

export const forEachTask = defineTaskDefinition({
  type: 'for-each',
  title: 'For each',
  description:
    'Run one task per item of a list, each its own durable attempt; outputs a list in order.',
  category: 'Control',
  icon: '⟳',
  config: z.strictObject({
    items: z.union([z.string().min(1), z.array(z.unknown())]),
    task: forEachInnerTask,
    concurrency: z.number().int().min(1).max(1000).optional(),
    continueOnError: z.boolean().optional(),
  }),
  defaults: {
    items: '{{ nodes.list.output }}',
    task: { type: 'code', config: { source: 'return item;' } },
    concurrency: 4,
  },
  // `task.config` is resolved per item (with {{ item }} and {{ index }}).
  rawFields: ['task'],
});
