import { and, gte, ilike, inArray, lte, or, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { flowRuns, flows } from '@/db/schema';

/** `%`, `_` and `\` match themselves in a "contains" search. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const UUID_TEMPLATE = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';

/**
 * The run ids that start with `prefix`, as a range of uuids (`[lo, hi]`),
 * or null when no uuid can start with it. A range is a primary-key bound;
 * `id::text like 'ab%'` would read every run.
 */
export function uuidPrefixRange(prefix: string): [string, string] | null {
  const text = prefix.toLowerCase();
  if (text.length === 0 || text.length > UUID_TEMPLATE.length) return null;
  for (let i = 0; i < text.length; i++) {
    const ok = UUID_TEMPLATE[i] === '-' ? text[i] === '-' : /[0-9a-f]/.test(text[i]!);
    if (!ok) return null;
  }
  const rest = UUID_TEMPLATE.slice(text.length);
  return [text + rest.replace(/x/g, '0'), text + rest.replace(/x/g, 'f')];
}

/** What a text search matches, worked out before the list query is built. */
export interface RunSearch {
  /** The ILIKE pattern for the parameters. */
  pattern: string;
  /** The flows whose name contains the text. */
  flowIds: string[];
  /** The run ids that start with the text, as a uuid range. */
  idRange: [string, string] | null;
}

/**
 * Resolves a search's flow names to flow ids first (one small read of
 * `flows`, through flows_name_trgm_idx when it is big), so the list query
 * gets them as a literal array the planner can estimate from flow_runs'
 * statistics. (A sub-select there is estimated at half the table, and the
 * planner then walks every run.)
 */
export async function resolveRunSearch(db: DbOrTx, search: string): Promise<RunSearch> {
  const pattern = containsPattern(search);
  const named = await db.select({ id: flows.id }).from(flows).where(ilike(flows.name, pattern));
  return { pattern, flowIds: named.map((f) => f.id), idRange: uuidPrefixRange(search) };
}

/**
 * The runs list's text search: the flow's name or the run's parameters
 * contain the text (any case), or the run id starts with it. Each branch is
 * an index condition on flow_runs — flow ids (flow_runs_flow_created_idx),
 * parameters through the trigram index flow_runs_params_trgm_idx, the id
 * prefix as a primary-key range — so the planner can OR index scans instead
 * of reading every run; when matches are common it may walk the list's
 * order and filter instead, which stops after a page.
 */
export function runSearchCondition(search: RunSearch): SQL {
  const { pattern, flowIds, idRange } = search;
  return or(
    flowIds.length > 0 ? inArray(flowRuns.flowId, flowIds) : undefined,
    sql`${flowRuns.params}::text ilike ${pattern}`,
    idRange ? and(gte(flowRuns.id, idRange[0]), lte(flowRuns.id, idRange[1])) : undefined,
  )!;
}
