import { z } from 'zod';
import { createTRPCRouter, editorProcedure, viewerProcedure } from '@/server/api/trpc';
import { createFlow } from '@/server/flows/create';
import { deleteFlow } from '@/server/flows/delete';
import { duplicateFlow } from '@/server/flows/duplicate';
import { exportFlow, getFlow } from '@/server/flows/get';
import { importFlow } from '@/server/flows/import';
import { listFlows, listFlowVersions } from '@/server/flows/list';
import { renameFlow } from '@/server/flows/rename';
import { getFlowRetention, setFlowRetention, setRetentionInput } from '@/server/flows/retention';
import {
  createFlowInput,
  flowIdSchema,
  getFlowInput,
  importFlowInput,
  listFlowsInput,
  renameFlowInput,
  updateFlowInput,
} from '@/server/flows/schemas';
import { updateFlow } from '@/server/flows/update';
import { checkFlowDocument } from '@/server/flows/validate';
import { getFlowWebhook } from '@/server/webhooks/get';
import { regenerateFlowWebhook } from '@/server/webhooks/regenerate';

const byId = z.object({ id: flowIdSchema });
const byFlowId = z.object({ flowId: flowIdSchema });

/**
 * The flow's webhook: `get` creates its token on first use; `regenerate`
 * replaces it at once. The token starts runs, so only editors see it.
 */
const webhookRouter = createTRPCRouter({
  get: editorProcedure
    .input(byFlowId)
    .query(({ ctx, input }) => getFlowWebhook(ctx.runtime.db, input.flowId)),
  regenerate: editorProcedure
    .input(byFlowId)
    .mutation(({ ctx, input }) => regenerateFlowWebhook(ctx.runtime.db, input.flowId)),
});

/** How long the flow's finished runs and logs are kept. */
const retentionRouter = createTRPCRouter({
  get: viewerProcedure
    .input(byId)
    .query(({ ctx, input }) => getFlowRetention(ctx.runtime.db, input.id)),
  set: editorProcedure
    .input(setRetentionInput)
    .mutation(({ ctx, input }) => setFlowRetention(ctx.runtime.db, input)),
});

export const flowsRouter = createTRPCRouter({
  list: viewerProcedure
    .input(listFlowsInput)
    .query(({ ctx, input }) => listFlows(ctx.runtime.db, input ?? {})),
  get: viewerProcedure
    .input(getFlowInput)
    .query(({ ctx, input }) => getFlow(ctx.runtime.db, input)),
  create: editorProcedure
    .input(createFlowInput)
    .mutation(({ ctx, input }) => createFlow(ctx.runtime.db, input)),
  update: editorProcedure
    .input(updateFlowInput)
    .mutation(({ ctx, input }) => updateFlow(ctx.runtime.db, ctx.runtime.catalog, input)),
  rename: editorProcedure
    .input(renameFlowInput)
    .mutation(({ ctx, input }) => renameFlow(ctx.runtime.db, input)),
  delete: editorProcedure
    .input(byId)
    .mutation(({ ctx, input }) => deleteFlow(ctx.runtime.db, input.id)),
  duplicate: editorProcedure
    .input(byId)
    .mutation(({ ctx, input }) => duplicateFlow(ctx.runtime.db, input.id)),
  import: editorProcedure
    .input(importFlowInput)
    .mutation(({ ctx, input }) => importFlow(ctx.runtime.db, ctx.runtime.catalog, input)),
  export: viewerProcedure
    .input(getFlowInput)
    .query(({ ctx, input }) => exportFlow(ctx.runtime.db, input)),
  /** Problems in an unsaved document (the editor shows them on the nodes). */
  validate: editorProcedure
    .input(z.object({ document: z.unknown() }))
    .mutation(({ ctx, input }) => checkFlowDocument(input.document, ctx.runtime.catalog)),
  versions: viewerProcedure
    .input(byId)
    .query(({ ctx, input }) => listFlowVersions(ctx.runtime.db, input.id)),
  webhook: webhookRouter,
  retention: retentionRouter,
});
