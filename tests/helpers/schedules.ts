import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flowRuns } from '@/db/schema';

let counter = 0;

/** A one-task flow document that completes at once (a unique name per call). */
export function quickFlow(params: Record<string, unknown> = {}) {
  return {
    version: 1,
    name: `scheduled flow ${++counter} ${Math.random().toString(36).slice(2, 8)}`,
    params,
    nodes: [{ id: 'hello', type: 'code', config: { source: 'return params;' } }],
    edges: [],
  };
}

/** Every run of a schedule, by slot. */
export function runsOfSchedule(db: Database, scheduleId: string) {
  return db
    .select()
    .from(flowRuns)
    .where(eq(flowRuns.scheduleId, scheduleId))
    .orderBy(asc(flowRuns.scheduledFor), asc(flowRuns.createdAt));
}

export function runsInState(db: Database, scheduleId: string, state: string) {
  return db
    .select()
    .from(flowRuns)
    .where(and(eq(flowRuns.scheduleId, scheduleId), eq(flowRuns.state, state as never)))
    .orderBy(asc(flowRuns.scheduledFor));
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
