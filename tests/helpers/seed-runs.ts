import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flows, flowVersions } from '@/db/schema';

/**
 * Flows for a big seed: `count` plain flows and, last, one named `rare`
 * (names after `prefix`).
 * Returns their ids in that order.
 */
export async function seedFlows(db: Database, count: number, prefix = ''): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i <= count; i++) {
    const name = `${prefix}${i === count ? 'rare' : `flow ${i}`}`;
    const [flow] = await db.insert(flows).values({ name, latestVersion: 1 }).returning();
    if (!flow) throw new Error('flow not inserted');
    await db.insert(flowVersions).values({
      flowId: flow.id,
      version: 1,
      document: { version: 1, name, nodes: [], edges: [] } as never,
    });
    ids.push(flow.id);
  }
  return ids;
}

/**
 * `count` finished-looking runs in one INSERT … SELECT generate_series:
 * pairs share a created_at (ties broken by id), `spacingSeconds` apart
 * going back from now; states and triggers mixed; run i belongs to the last flow when
 * i % 1000 = 0, else to the others in turn. Then ANALYZE, as autovacuum
 * would do after such a load.
 */
export async function seedRuns(
  db: Database,
  count: number,
  flowIds: string[],
  spacingSeconds = 13,
): Promise<void> {
  const others = flowIds.length - 1;
  const apart = sql`${`${spacingSeconds} seconds`}::interval`;
  await db.execute(sql`
    insert into flow_runs (flow_id, flow_version_id, state, trigger, params, created_at,
      started_at, ended_at, warning_count, error_count)
    select f.id, v.id,
      (array['completed','completed','failed','running','cancelled'])[1 + i % 5],
      (array['manual','schedule','webhook','api','cli'])[1 + (i / 5) % 5],
      jsonb_build_object('batch', i % 97),
      now() - (i / 2) * ${apart},
      now() - (i / 2) * ${apart} + interval '1 second',
      now() - (i / 2) * ${apart} + (1 + i % 60) * interval '1 second',
      i % 3, i % 7 / 6
    from generate_series(1, ${count}) as i
    join flows f on f.id = (${`{${flowIds.join(',')}}`}::uuid[])[
      case when i % 1000 = 0 then ${flowIds.length} else 1 + i % ${others} end]
    join flow_versions v on v.flow_id = f.id`);
  await db.execute(sql`analyze flow_runs`);
}
