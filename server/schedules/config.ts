import { desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { type CatchupPolicy, flowVersions, type ScheduleKind } from '@/db/schema';
import type { DocumentIssue } from '@/server/engine/document';
import { ParamsError, resolveParams } from '@/server/engine/params';
import { InvalidInputError } from '@/server/errors';
import { loadVersionDocument } from '@/server/execution/documents';
import type { CreateScheduleInput } from './schemas';
import { checkTiming, describeTiming, type ScheduleTiming } from './times';

/** A schedule's settings, complete (defaults filled in). */
export interface ScheduleConfig {
  name: string;
  kind: ScheduleKind;
  cron: string | null;
  intervalSeconds: number | null;
  timezone: string;
  params: Record<string, unknown>;
  pinnedVersion: number | null;
  active: boolean;
  catchup: CatchupPolicy;
  catchupWindowMinutes: number | null;
  lateAfterSeconds: number;
}

/** A cron when one is given, else an interval when one is given, else a cron (which then says it is missing). */
export function inferKind(input: {
  kind?: ScheduleKind;
  cron?: string | null;
  intervalSeconds?: number | null;
}): ScheduleKind {
  if (input.kind) return input.kind;
  return input.intervalSeconds != null && !input.cron ? 'interval' : 'cron';
}

export function timingOfConfig(config: ScheduleConfig, anchorAt?: Date | null): ScheduleTiming {
  return {
    kind: config.kind,
    cron: config.cron,
    intervalSeconds: config.intervalSeconds,
    timezone: config.timezone,
    anchorAt,
  };
}

/** Defaults for a new schedule; the name defaults to its description. */
export function configFromCreate(input: CreateScheduleInput): ScheduleConfig {
  const kind = inferKind(input);
  const config: ScheduleConfig = {
    name: '',
    kind,
    cron: kind === 'cron' ? (input.cron?.trim() ?? null) : null,
    intervalSeconds: kind === 'interval' ? (input.intervalSeconds ?? null) : null,
    timezone: input.timezone ?? 'UTC',
    params: input.params ?? {},
    pinnedVersion: input.version ?? null,
    active: input.active ?? true,
    catchup: input.catchup ?? 'latest',
    catchupWindowMinutes: input.catchupWindowMinutes ?? null,
    lateAfterSeconds: input.lateAfterSeconds ?? 60,
  };
  return { ...config, name: input.name ?? '' };
}

/**
 * Checks a schedule against its flow: the cron or interval, the timezone,
 * the catch-up window, the pinned version, and the parameters against that
 * version's definitions (the latest when not pinned). Throws
 * InvalidInputError whose issues name each field (`cron`, `timezone`,
 * `params.count`…). Returns the config with its default name filled in.
 */
export async function checkScheduleConfig(
  tx: DbOrTx,
  flowId: string,
  config: ScheduleConfig,
): Promise<ScheduleConfig> {
  const issues: DocumentIssue[] = [...checkTiming(timingOfConfig(config))];
  if (config.catchup === 'skip' && !config.catchupWindowMinutes) {
    issues.push({
      path: 'catchupWindowMinutes',
      message: 'is required with catch-up "skip": runs later than this many minutes are skipped',
    });
  }
  const versions = await tx
    .select({ id: flowVersions.id, version: flowVersions.version })
    .from(flowVersions)
    .where(eq(flowVersions.flowId, flowId))
    .orderBy(desc(flowVersions.version));
  const latest = versions[0];
  const chosen =
    config.pinnedVersion === null
      ? latest
      : versions.find((v) => v.version === config.pinnedVersion);
  if (!chosen) {
    issues.push({
      path: 'version',
      message: `the flow has no version ${config.pinnedVersion} (latest is v${latest?.version ?? 0})`,
    });
  } else {
    const { doc } = await loadVersionDocument(tx, chosen.id);
    try {
      resolveParams(doc, config.params);
    } catch (err) {
      if (!(err instanceof ParamsError)) throw err;
      for (const issue of err.issues)
        issues.push({ path: `params.${issue.param}`, message: issue.message });
    }
  }
  if (issues.length > 0) {
    throw new InvalidInputError(issues.map((i) => `${i.path}: ${i.message}`).join('\n'), issues);
  }
  return {
    ...config,
    name: config.name.trim() || describeTiming(timingOfConfig(config)),
  };
}
