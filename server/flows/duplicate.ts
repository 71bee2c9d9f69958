import type { Database } from '@/db/client';
import { freeName, insertFlowWithFirstVersion, loadVersion, lockLiveFlow } from './store';

export async function duplicateFlow(db: Database, id: string) {
  return db.transaction(async (tx) => {
    const source = await lockLiveFlow(tx, id);
    const latest = await loadVersion(tx, source.id, source.latestVersion);
    const name = await freeName(tx, source.name, 'copy');
    const { flow } = await insertFlowWithFirstVersion(
      tx,
      { ...latest.document, name },
      `Duplicated from "${source.name}" version ${source.latestVersion}`,
    );
    return flow;
  });
}
