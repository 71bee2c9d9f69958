import { createTRPCRouter, ownerProcedure, viewerProcedure } from '@/server/api/trpc';
import { deleteSecret } from '@/server/secrets/delete';
import { listSecretNames, listSecrets } from '@/server/secrets/list';
import { secretNameInput, setSecretInput } from '@/server/secrets/schemas';
import { setSecret } from '@/server/secrets/set';

/**
 * Who may see which: the names are what editors need to write
 * `{{ secrets.NAME }}`; the list with dates and any change are for the
 * people who manage secrets. No procedure ever returns a value.
 */
const namesProcedure = viewerProcedure;
const manageProcedure = ownerProcedure;

export const secretsRouter = createTRPCRouter({
  list: manageProcedure.query(({ ctx }) => listSecrets(ctx.runtime.db)),
  names: namesProcedure.query(({ ctx }) => listSecretNames(ctx.runtime.db)),
  /** Creates or replaces; answers with the name and dates, not the value. */
  set: manageProcedure
    .input(setSecretInput)
    .mutation(({ ctx, input }) => setSecret(ctx.runtime.db, input)),
  delete: manageProcedure
    .input(secretNameInput)
    .mutation(({ ctx, input }) => deleteSecret(ctx.runtime.db, input.name)),
});
