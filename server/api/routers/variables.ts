import { createTRPCRouter, editorProcedure, viewerProcedure } from '@/server/api/trpc';
import { deleteVariable } from '@/server/variables/delete';
import { getVariable, listVariables } from '@/server/variables/list';
import { setVariableInput, variableNameInput } from '@/server/variables/schemas';
import { setVariable } from '@/server/variables/set';

/** Anyone who can see flows reads variables; editors change them. */
const readProcedure = viewerProcedure;
const editProcedure = editorProcedure;

export const variablesRouter = createTRPCRouter({
  list: readProcedure.query(({ ctx }) => listVariables(ctx.runtime.db)),
  get: readProcedure
    .input(variableNameInput)
    .query(({ ctx, input }) => getVariable(ctx.runtime.db, input.name)),
  set: editProcedure
    .input(setVariableInput)
    .mutation(({ ctx, input }) => setVariable(ctx.runtime.db, input)),
  delete: editProcedure
    .input(variableNameInput)
    .mutation(({ ctx, input }) => deleteVariable(ctx.runtime.db, input.name)),
});
