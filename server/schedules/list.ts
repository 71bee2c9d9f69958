import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flows, schedules } from '@/db/schema';
import type { FlowRunState } from '@/server/engine/states';
import { NotFoundError } from '@/server/errors';
import { scheduleView } from './view';

/**
 * Schedules (of one flow, or all), oldest first, each with its description,
 * its next fire times, its flow's name and the last run it fired.
 */
export async function listSchedules(db: Database, input: { flowId?: string }, now: Date) {
  const rows = await db
    .select({
      schedule: schedules,
      flowName: flows.name,
      lastRun: sql<{ id: string; state: FlowRunState; scheduledFor: string } | null>`(
        select json_build_object('id', r.id, 'state', r.state, 'scheduledFor', r.scheduled_for)
        from flow_runs r
        where r.schedule_id = ${schedules.id} and r.fired_at is not null
        order by r.scheduled_for desc limit 1)`,
    })
    .from(schedules)
    .innerJoin(flows, eq(flows.id, schedules.flowId))
    .where(
      and(input.flowId ? eq(schedules.flowId, input.flowId) : undefined, isNull(flows.deletedAt)),
    )
    .orderBy(asc(schedules.createdAt), asc(schedules.id));
  return rows.map((row) => ({
    ...scheduleView(row.schedule, now),
    flowName: row.flowName,
    lastRun: row.lastRun
      ? { ...row.lastRun, scheduledFor: new Date(row.lastRun.scheduledFor) }
      : null,
  }));
}

export type ScheduleListItem = Awaited<ReturnType<typeof listSchedules>>[number];

export async function getScheduleRow(db: Database, id: string) {
  const [row] = await db.select().from(schedules).where(eq(schedules.id, id));
  if (!row) throw new NotFoundError('Schedule', id);
  return row;
}
