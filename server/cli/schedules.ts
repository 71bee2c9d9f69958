import type { ParseArgsConfig } from 'node:util';
import type { Database } from '@/db/client';
import type { CatchupPolicy } from '@/db/schema';
import { parseParamString } from '@/server/engine/params';
import { getFlow } from '@/server/flows/get';
import { listFlows } from '@/server/flows/list';
import { createSchedule } from '@/server/schedules/create';
import { deleteSchedule } from '@/server/schedules/delete';
import { getScheduleRow, listSchedules } from '@/server/schedules/list';
import { setScheduleActive } from '@/server/schedules/pause';
import { formatInZone } from '@/server/schedules/times';
import { upcomingFireTimes } from '@/server/schedules/upcoming';
import { updateSchedule } from '@/server/schedules/update';
import type { ScheduleView } from '@/server/schedules/view';
import { withDatabase } from './connect';
import { CliError, type CliIO, splitAssignment, table } from './output';

/** Same shape as main.ts's commands. */
interface ScheduleCommand {
  usage: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  run(args: { positionals: string[]; values: Record<string, unknown>; io: CliIO }): Promise<number>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A flow by id, or by its exact name (case-insensitive). */
async function findFlowId(db: Database, target: string): Promise<string> {
  if (UUID.test(target)) return target;
  const matches = (await listFlows(db, { search: target })).filter(
    (f) => f.name.toLowerCase() === target.toLowerCase(),
  );
  if (matches.length === 0)
    throw new CliError(`no flow named "${target}"; see \`pipewright flows list\``);
  return matches[0]!.id;
}

function scheduleId(positionals: string[]): string {
  const id = positionals[0];
  if (!id) throw new CliError('Missing <schedule-id>: see `pipewright schedules list`');
  if (!UUID.test(id)) throw new CliError(`"${id}" is not a schedule id`);
  return id;
}

/** `all`, `latest`, or `skip:30` (skip runs more than 30 minutes late). */
export function parseCatchup(raw: string): { catchup: CatchupPolicy; windowMinutes?: number } {
  const [policy, minutes] = raw.split(':');
  if (policy === 'all' || policy === 'latest') {
    if (minutes !== undefined) throw new CliError(`--catchup ${raw}: only skip takes minutes`);
    return { catchup: policy };
  }
  if (policy === 'skip') {
    const n = Number(minutes);
    if (!minutes || !Number.isInteger(n) || n < 1)
      throw new CliError(`--catchup ${raw}: write skip:<minutes>, e.g. skip:30`);
    return { catchup: 'skip', windowMinutes: n };
  }
  throw new CliError(`--catchup ${raw}: expected all, latest or skip:<minutes>`);
}

/** `90`, `90s`, `15m`, `2h`, `1d` → seconds. */
export function parseEvery(raw: string): number {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(raw.trim());
  if (!match) throw new CliError(`--every ${raw}: expected a duration such as 90s, 15m, 2h or 1d`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

function positiveInt(flag: string, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive whole number`);
  return n;
}

/** `--param k=v` pairs, typed by the flow version's parameter definitions. */
async function paramsFromFlags(
  db: Database,
  flowId: string,
  version: number | undefined,
  pairs: string[],
): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = {};
  if (pairs.length === 0) return params;
  const flow = await getFlow(db, { id: flowId, version });
  for (const pair of pairs) {
    const [name, raw] = splitAssignment('--param', pair);
    params[name] = parseParamString(flow.version.document, name, raw);
  }
  return params;
}

/** The flags `update` accepts; at least one must be given. */
const UPDATE_FLAGS = [
  'cron',
  'every',
  'tz',
  'param',
  'version',
  'latest',
  'catchup',
  'late-after',
  'name',
] as const;

function printSchedule(io: CliIO, s: ScheduleView, verb: string) {
  io.out(`${verb} schedule ${s.id}: ${s.description}${s.active ? '' : ' (paused)'}`);
  if (s.active && s.upcoming.length > 0) {
    io.out('Next runs:');
    for (const at of s.upcoming) io.out(`  ${formatInZone(at, s.timezone)}  (${at.toISOString()})`);
  }
}

export const scheduleCommands: Record<string, ScheduleCommand> = {
  'schedules list': {
    usage: 'pipewright schedules list [flow] [--json]',
    summary: 'List schedules (of one flow, by id or name) with their next run.',
    options: { json: { type: 'boolean' } },
    async run({ positionals, values, io }) {
      const schedules = await withDatabase(async (db) => {
        const flowId = positionals[0] ? await findFlowId(db, positionals[0]) : undefined;
        return listSchedules(db, { flowId }, new Date());
      });
      if (values.json) {
        io.out(JSON.stringify(schedules, null, 2));
      } else if (schedules.length === 0) {
        io.out(
          'No schedules. Create one with: pipewright schedules create <flow> --cron "0 12 * * *"',
        );
      } else {
        io.out(
          table([
            ['ID', 'FLOW', 'WHEN', 'STATUS', 'NEXT RUN'],
            ...schedules.map((s) => [
              s.id,
              s.flowName,
              s.description,
              s.active ? 'active' : 'paused',
              s.active && s.upcoming[0] ? formatInZone(s.upcoming[0], s.timezone) : '—',
            ]),
          ]),
        );
      }
      return 0;
    },
  },
  'schedules create': {
    usage:
      'pipewright schedules create <flow> (--cron "<expr>" | --every 15m) [--tz <zone>] [--param k=v]... [--version N] [--catchup all|latest|skip:<min>] [--name <text>] [--paused] [--json]',
    summary: 'Schedule a flow (by id or name): cron or fixed interval, in an IANA timezone.',
    options: {
      cron: { type: 'string' },
      every: { type: 'string' },
      tz: { type: 'string' },
      param: { type: 'string', multiple: true, short: 'p' },
      version: { type: 'string' },
      catchup: { type: 'string' },
      'late-after': { type: 'string' },
      name: { type: 'string' },
      paused: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    async run({ positionals, values, io }) {
      const target = positionals[0];
      if (!target) throw new CliError('Missing <flow>: the flow id or name to schedule');
      if (!values.cron === !values.every)
        throw new CliError('Give either --cron "<expression>" or --every <duration>');
      const version = positiveInt('--version', values.version);
      const catchup = values.catchup ? parseCatchup(values.catchup as string) : undefined;
      const schedule = await withDatabase(async (db) => {
        const flowId = await findFlowId(db, target);
        // The pinned version must exist even without parameters to type.
        await getFlow(db, { id: flowId, version });
        const params = await paramsFromFlags(
          db,
          flowId,
          version,
          (values.param as string[] | undefined) ?? [],
        );
        return createSchedule(
          db,
          {
            flowId,
            name: values.name as string | undefined,
            ...(values.cron
              ? { kind: 'cron' as const, cron: values.cron as string }
              : { kind: 'interval' as const, intervalSeconds: parseEvery(values.every as string) }),
            timezone: (values.tz as string | undefined) ?? 'UTC',
            params,
            version: version ?? null,
            active: !values.paused,
            catchup: catchup?.catchup,
            catchupWindowMinutes: catchup?.windowMinutes,
            lateAfterSeconds: positiveInt('--late-after', values['late-after']),
          },
          new Date(),
        );
      });
      if (values.json) io.out(JSON.stringify(schedule, null, 2));
      else printSchedule(io, schedule, 'Created');
      return 0;
    },
  },
  'schedules update': {
    usage:
      'pipewright schedules update <schedule-id> [--cron "<expr>" | --every 15m] [--tz <zone>] [--param k=v]... [--version N | --latest] [--catchup all|latest|skip:<min>] [--late-after <seconds>] [--name <text>] [--json]',
    summary:
      'Change a schedule (flags left out keep their value; --param sets those parameters, the others stay); its runs ahead are replaced.',
    options: {
      cron: { type: 'string' },
      every: { type: 'string' },
      tz: { type: 'string' },
      param: { type: 'string', multiple: true, short: 'p' },
      version: { type: 'string' },
      latest: { type: 'boolean' },
      catchup: { type: 'string' },
      'late-after': { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean' },
    },
    async run({ positionals, values, io }) {
      const id = scheduleId(positionals);
      if (!UPDATE_FLAGS.some((flag) => values[flag] !== undefined))
        throw new CliError(
          `Nothing to change: give at least one of ${UPDATE_FLAGS.map((f) => `--${f}`).join(', ')}`,
        );
      if (values.cron !== undefined && values.every !== undefined)
        throw new CliError('Give either --cron "<expression>" or --every <duration>, not both');
      if (values.version !== undefined && values.latest)
        throw new CliError('Give either --version N (pin) or --latest (unpin), not both');
      const version = positiveInt('--version', values.version);
      const catchup = values.catchup ? parseCatchup(values.catchup as string) : undefined;
      const intervalSeconds =
        values.every !== undefined ? parseEvery(values.every as string) : undefined;
      const lateAfterSeconds = positiveInt('--late-after', values['late-after']);
      const schedule = await withDatabase(async (db) => {
        const row = await getScheduleRow(db, id);
        const pins = version ?? (values.latest ? undefined : (row.pinnedVersion ?? undefined));
        const pairs = (values.param as string[] | undefined) ?? [];
        const params =
          pairs.length > 0
            ? { ...row.params, ...(await paramsFromFlags(db, row.flowId, pins, pairs)) }
            : undefined;
        return updateSchedule(
          db,
          {
            id,
            ...(values.cron !== undefined
              ? { kind: 'cron' as const, cron: values.cron as string }
              : {}),
            ...(intervalSeconds !== undefined
              ? { kind: 'interval' as const, intervalSeconds }
              : {}),
            ...(values.tz !== undefined ? { timezone: values.tz as string } : {}),
            ...(params ? { params } : {}),
            ...(version !== undefined ? { version } : values.latest ? { version: null } : {}),
            ...(catchup
              ? { catchup: catchup.catchup, catchupWindowMinutes: catchup.windowMinutes ?? null }
              : {}),
            ...(lateAfterSeconds !== undefined ? { lateAfterSeconds } : {}),
            ...(values.name !== undefined ? { name: values.name as string } : {}),
          },
          new Date(),
        );
      });
      if (values.json) io.out(JSON.stringify(schedule, null, 2));
      else printSchedule(io, schedule, 'Updated');
      return 0;
    },
  },
  'schedules upcoming': {
    usage:
      'pipewright schedules upcoming (<schedule-id> | --cron "<expr>" | --every 15m) [--tz <zone>] [--count N] [--json]',
    summary:
      'The next fire times of a schedule, or of a cron or interval before you save it, in its timezone.',
    options: {
      cron: { type: 'string' },
      every: { type: 'string' },
      tz: { type: 'string' },
      count: { type: 'string' },
      json: { type: 'boolean' },
    },
    async run({ positionals, values, io }) {
      const given = [positionals[0], values.cron, values.every].filter((v) => v !== undefined);
      if (given.length !== 1)
        throw new CliError(
          'Give one of: a <schedule-id>, --cron "<expression>" or --every <duration>',
        );
      if (positionals[0] !== undefined && values.tz !== undefined)
        throw new CliError(
          '--tz applies to --cron or --every; a saved schedule has its own timezone',
        );
      const count = positiveInt('--count', values.count);
      if (count !== undefined && count > 50) throw new CliError('--count must be at most 50');
      const id = positionals[0] !== undefined ? scheduleId(positionals) : undefined;
      const result = await withDatabase((db) =>
        upcomingFireTimes(
          db,
          {
            ...(id ? { id } : {}),
            ...(values.cron !== undefined
              ? { kind: 'cron' as const, cron: values.cron as string }
              : {}),
            ...(values.every !== undefined
              ? { kind: 'interval' as const, intervalSeconds: parseEvery(values.every as string) }
              : {}),
            ...(values.tz !== undefined ? { timezone: values.tz as string } : {}),
            ...(count !== undefined ? { count } : {}),
          },
          new Date(),
        ),
      );
      if (values.json) {
        io.out(JSON.stringify(result, null, 2));
      } else {
        io.out(result.description);
        for (const at of result.times)
          io.out(`  ${formatInZone(at, result.timezone)}  (${at.toISOString()})`);
      }
      return 0;
    },
  },
  'schedules pause': {
    usage: 'pipewright schedules pause <schedule-id>',
    summary: 'Pause a schedule; its runs not yet fired are cancelled.',
    options: { json: { type: 'boolean' } },
    async run({ positionals, values, io }) {
      const id = scheduleId(positionals);
      const s = await withDatabase((db) => setScheduleActive(db, id, false, new Date()));
      if (values.json) io.out(JSON.stringify(s, null, 2));
      else io.out(`Paused schedule ${s.id}: ${s.description}`);
      return 0;
    },
  },
  'schedules resume': {
    usage: 'pipewright schedules resume <schedule-id>',
    summary: 'Resume a paused schedule from now on.',
    options: { json: { type: 'boolean' } },
    async run({ positionals, values, io }) {
      const id = scheduleId(positionals);
      const s = await withDatabase((db) => setScheduleActive(db, id, true, new Date()));
      if (values.json) io.out(JSON.stringify(s, null, 2));
      else printSchedule(io, s, 'Resumed');
      return 0;
    },
  },
  'schedules delete': {
    usage: 'pipewright schedules delete <schedule-id>',
    summary: 'Delete a schedule; its runs not yet fired are cancelled, past runs stay.',
    options: { json: { type: 'boolean' } },
    async run({ positionals, values, io }) {
      const id = scheduleId(positionals);
      const result = await withDatabase((db) => deleteSchedule(db, id));
      if (values.json) io.out(JSON.stringify(result, null, 2));
      else
        io.out(
          `Deleted schedule ${id}${result.cancelledRuns ? ` (${result.cancelledRuns} upcoming run${result.cancelledRuns === 1 ? '' : 's'} cancelled)` : ''}`,
        );
      return 0;
    },
  },
};
