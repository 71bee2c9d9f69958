import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';

/** The forms of a secret a leak would most likely take. */
export function leakForms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
  ];
}

/** Which of `forms` appear in `text`. */
export function leaksIn(text: string, forms: readonly string[]): string[] {
  return forms.filter((form) => text.includes(form));
}

/**
 * Every row a run wrote, as JSON text: the run, its tasks, attempts,
 * transitions and logs (child runs included).
 */
export async function storedRunText(db: Database, runId: string): Promise<string> {
  const rows = await db.execute<{ row: string }>(sql`
    with recursive runs(id) as (
      select id from flow_runs where id = ${runId}
      union
      select fr.id from flow_runs fr join task_runs tr on fr.parent_task_run_id = tr.id
      join runs r on tr.flow_run_id = r.id
    )
    select row_to_json(fr)::text as row from flow_runs fr where id in (select id from runs)
    union all select row_to_json(t)::text from task_runs t where flow_run_id in (select id from runs)
    union all select row_to_json(a)::text from task_attempts a
      where task_run_id in (select id from task_runs where flow_run_id in (select id from runs))
    union all select row_to_json(x)::text from run_transitions x where flow_run_id in (select id from runs)
    union all select row_to_json(l)::text from run_logs l where flow_run_id in (select id from runs)`);
  return rows.rows.map((r) => r.row).join('\n');
}
