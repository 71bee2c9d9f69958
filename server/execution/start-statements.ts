import { sql } from 'drizzle-orm';
import { queryPrepared, type Transaction } from '@/db/client';
import { flowRuns, type RunTrigger } from '@/db/schema';
import type { FlowNode } from '@/server/engine/document';
import type { FlowRunState } from '@/server/engine/states';
import {
  type FlowRunRow,
  PLANNING_COLUMN_NAMES,
  PLANNING_COLUMNS,
  type RawTaskRow,
  type TaskRow,
  toTaskRow,
} from './advance';
import { RUN_CHANNEL } from './deps';

/**
 * The start path's statements, each of a fixed text whatever the flow's size
 * (arrays, not one parameter per column per row), so every connection
 * parses and plans each once: drizzle's multi-row insert sent a new
 * ~1,000-parameter statement for every start of a 40-node flow.
 */

/** A new run's own values; the rest are the schema's defaults. */
export interface NewFlowRun {
  flowId: string;
  flowVersionId: string;
  params: Record<string, unknown>;
  trigger: RunTrigger;
  triggeredBy: string | null;
  refreshCache: boolean;
  parentTaskRunId: string | null;
  deadlineAt: Date | null;
}

/** Inserts a Pending flow run and returns its row. */
export async function insertFlowRun({ tx }: Transaction, run: NewFlowRun): Promise<FlowRunRow> {
  let statement = insertRunStatements.get(tx);
  if (!statement) {
    statement = prepareInsertRun(tx);
    insertRunStatements.set(tx, statement);
  }
  const [row] = await statement.execute({ ...run });
  return row!;
}

/** Built once per connection (Transaction.tx is one per pooled connection), like the run lock. */
const insertRunStatements = new WeakMap<Transaction['tx'], ReturnType<typeof prepareInsertRun>>();

function prepareInsertRun(tx: Transaction['tx']) {
  const value = (name: keyof NewFlowRun) => sql.placeholder(name);
  return tx
    .insert(flowRuns)
    .values({
      flowId: value('flowId'),
      flowVersionId: value('flowVersionId'),
      state: 'pending',
      params: value('params'),
      trigger: value('trigger'),
      triggeredBy: value('triggeredBy'),
      refreshCache: value('refreshCache'),
      parentTaskRunId: value('parentTaskRunId'),
      // Cast, not the column's encoder: drizzle runs a placeholder's value
      // through it even when null, and the timestamp one throws on null.
      deadlineAt: sql`${value('deadlineAt')}::timestamptz`,
    })
    .returning()
    .prepare('pw_insert_run');
}

export interface RunSourceRow {
  flowId: string;
  flowName: string;
  /** Null when the flow has no version (or not the pinned one). */
  versionId: string | null;
  version: number | null;
}

/**
 * A flow not deleted and its version to run (the pinned one, else the
 * latest), in one round trip; undefined when there is no such flow.
 */
export async function findRunSource(
  { client }: Transaction,
  flowId: string,
  pinned: number | undefined,
): Promise<RunSourceRow | undefined> {
  // Two texts (pinned or latest), each a plain index lookup on
  // flow_versions (flow_id, version). bigint: a pinned number past int4
  // matches no version (NOT_FOUND), it does not fail the cast (a 500).
  const which = pinned === undefined ? sql`` : sql` and v.version = ${sql.param(pinned)}::bigint`;
  const { rows } = await queryPrepared<{
    flow_id: string;
    flow_name: string;
    version_id: string | null;
    version: number | null;
  }>(
    client,
    sql`select f.id as flow_id, f.name as flow_name, v.id as version_id, v.version
    from flows f
    left join lateral (
      select v.id, v.version from flow_versions v
      where v.flow_id = f.id${which}
      order by v.version desc limit 1
    ) v on true
    where f.id = ${flowId} and f.deleted_at is null`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    flowId: row.flow_id,
    flowName: row.flow_name,
    versionId: row.version_id,
    version: row.version,
  };
}

/**
 * One Pending task run per node, and the transitions of the launch — the
 * run's own (`fromState` → pending, first) then each task's (→ pending, in
 * the document's node order) — in ONE statement, which also announces the
 * run on RUN_CHANNEL (delivered at commit). Returns the tasks as planning
 * reads them, in node order, so advanceFlowRun need not read them again.
 */
export async function insertLaunchRows(
  { client }: Transaction,
  runId: string,
  nodes: readonly Pick<FlowNode, 'id' | 'type'>[],
  fromState: FlowRunState | null,
  reason: string,
): Promise<TaskRow[]> {
  const announcement = JSON.stringify({ runId, state: 'pending' });
  const { rows } = await queryPrepared<RawTaskRow>(
    client,
    sql`with node as (
      select n.node_id, n.node_type, n.ord
      from unnest(${sql.param(nodes.map((n) => n.id))}::text[], ${sql.param(nodes.map((n) => n.type))}::text[])
        with ordinality as n(node_id, node_type, ord)
    ), inserted as (
      insert into task_runs (flow_run_id, node_id, node_type, state)
      select ${runId}::uuid, node_id, node_type, 'pending' from node order by ord
      returning ${PLANNING_COLUMN_NAMES}
    ), task as (
      select inserted.*, node.ord from inserted join node using (node_id)
    ), written as (
      -- One INSERT, ordered, so the ids (bigserial) put the run's row first
      -- and the tasks' in node order. The run's row is made from the
      -- one-row NOTIFY: the announcement is sent exactly once.
      insert into run_transitions (flow_run_id, task_run_id, from_state, to_state, reason)
      select flow_run_id, task_run_id, from_state, 'pending', reason from (
        select ${runId}::uuid as flow_run_id, null::uuid as task_run_id,
          ${fromState}::text as from_state, ${reason}::text as reason, 0::bigint as ord
        from (select pg_notify(${RUN_CHANNEL}, ${announcement})) as announced
        union all
        select ${runId}::uuid, id, null, null, ord from task
      ) as t order by ord
    )
    select ${PLANNING_COLUMNS} from task order by ord`,
  );
  return rows.map(toTaskRow);
}
