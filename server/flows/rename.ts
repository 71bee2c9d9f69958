import type { Database } from '@/db/client';
import { appendVersion, ensureNameFree, loadVersion, lockLiveFlow } from './store';

/** The name is part of the document, so a rename is a new version. */
export async function renameFlow(db: Database, input: { id: string; name: string }) {
  const name = input.name.trim();
  return db.transaction(async (tx) => {
    const flow = await lockLiveFlow(tx, input.id);
    if (flow.name === name) return flow;
    await ensureNameFree(tx, name, flow.id);
    const latest = await loadVersion(tx, flow.id, flow.latestVersion);
    const { flow: renamed } = await appendVersion(
      tx,
      flow.id,
      flow.latestVersion + 1,
      { ...latest.document, name },
      `Renamed from "${flow.name}" to "${name}"`,
    );
    return renamed;
  });
}
