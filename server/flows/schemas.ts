import { z } from 'zod';

export const flowIdSchema = z.uuid({ message: 'is not a flow id' });
export const flowNameSchema = z
  .string()
  .trim()
  .min(1, 'Name is required')
  .max(200, 'Name is too long (200 characters at most)');

export const createFlowInput = z.object({
  name: flowNameSchema,
  description: z.string().max(5000).optional(),
});

export const updateFlowInput = z.object({
  id: flowIdSchema,
  /** The version the editor started from; saving over a newer one is a conflict. */
  baseVersion: z.number().int().positive(),
  document: z.unknown(),
  message: z.string().max(500).optional(),
});

export const renameFlowInput = z.object({ id: flowIdSchema, name: flowNameSchema });
export const importFlowInput = z.object({
  document: z.unknown(),
  message: z.string().max(500).optional(),
});
export const getFlowInput = z.object({
  id: flowIdSchema,
  version: z.number().int().positive().optional(),
});
export const listFlowsInput = z.object({ search: z.string().max(200).optional() }).optional();
