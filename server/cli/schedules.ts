import type { ParseArgsConfig } from 'node:util';
import type { Database } from '@/db/client';
import type { CatchupPolicy } from '@/db/schema';
import { parseParamString } from '@/server/engine/params';
import { getFlow } from '@/server/flows/get';
import { listFlows } from '@/server/flows/list';
import { createSchedule } from '@/server/schedules/create';
import { deleteSchedule } from '@/server/schedules/delete';
import { listSchedules } from '@/server/schedules/list';
import { setScheduleActive } from '@/server/schedules/pause';
import { formatInZone } from '@/server/schedules/times';
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
        const flow = await getFlow(db, { id: flowId, version });
        const params: Record<string, unknown> = {};
        for (const pair of (values.param as string[] | undefined) ?? []) {
          const [name, raw] = splitAssignment('--param', pair);
          params[name] = parseParamString(flow.version.document, name, raw);
        }
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
