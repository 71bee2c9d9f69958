import { z } from 'zod';
import { logLevels, runTriggers } from '@/db/schema/runs';
import { flowRunStates } from '@/server/engine/states';

export const runIdSchema = z.uuid({ message: 'is not a run id' });

export const startRunInput = z.object({
  flowId: z.uuid({ message: 'is not a flow id' }),
  version: z.number().int().positive().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  refreshCache: z.boolean().optional(),
  /** The editor's Run button says `manual`, the CLI `cli`; programs default to `api`. */
  trigger: z.enum(['manual', 'api', 'cli']).optional(),
});

export const listRunsInput = z
  .object({
    flowId: z.uuid().optional(),
    state: z.enum(flowRunStates).optional(),
    trigger: z.enum(runTriggers).optional(),
    /** Created at or after / before (the list's date range). */
    from: z.date().optional(),
    to: z.date().optional(),
    /** Flow name or parameters contain, or the run id starts with. */
    search: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(200).optional(),
    /** `nextCursor` of the previous page (opaque). */
    cursor: z
      .string()
      .regex(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z~[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        { message: 'is not a runs list cursor (use nextCursor of the previous page)' },
      )
      .optional(),
  })
  .refine((v) => !v.from || !v.to || v.from < v.to, {
    message: 'must be after from',
    path: ['to'],
  })
  .optional();

export const retryRunInput = z.object({ id: runIdSchema, fromNodeId: z.string().optional() });
export const runLogsInput = z.object({
  runId: runIdSchema,
  taskRunId: z.uuid().optional(),
  afterId: z.number().int().min(0).optional(),
  beforeId: z.number().int().min(0).optional(),
  /** The newest `limit` lines (when neither afterId nor beforeId is given). */
  tail: z.boolean().optional(),
  minLevel: z.enum(logLevels).optional(),
  search: z.string().max(500).optional(),
  limit: z.number().int().min(1).max(5000).optional(),
});

/** One task of a run, by node id (a for-each item's node id is `<for-each>[<index>]`). */
export const runTaskInput = z.object({ runId: runIdSchema, nodeId: z.string().min(1).max(300) });
export const runTaskValueInput = runTaskInput.extend({
  field: z.enum(['output', 'resolvedConfig', 'item']),
});

export const decideInput = z.object({
  taskRunId: z.uuid({ message: 'is not a task run id' }),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).optional(),
  values: z.record(z.string(), z.unknown()).optional(),
});

export const itemsInput = z.object({
  taskRunId: z.uuid(),
  afterIndex: z.number().int().min(-1).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});

export const taskRunInput = z.object({ id: z.uuid({ message: 'is not a task run id' }) });
