import { z } from 'zod';
import { logLevels, runTriggers } from '@/db/schema/runs';
import { flowRunStates } from '@/server/engine/states';

export const runIdSchema = z.uuid({ message: 'is not a run id' });

export const startRunInput = z.object({
  flowId: z.uuid({ message: 'is not a flow id' }),
  version: z.number().int().positive().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  refreshCache: z.boolean().optional(),
  /** The editor's Run button says `manual`; programs default to `api`. */
  trigger: z.enum(['manual', 'api']).optional(),
});

export const listRunsInput = z
  .object({
    flowId: z.uuid().optional(),
    state: z.enum(flowRunStates).optional(),
    trigger: z.enum(runTriggers).optional(),
    search: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(200).optional(),
    cursor: z.object({ createdAt: z.date(), id: z.uuid() }).optional(),
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
  field: z.enum(['output', 'resolvedConfig']),
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
