import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { DataDirectoryInUseError } from '@/db/embedded';
import { runMigrations } from '@/db/migrate';
import { bootRuntime } from '@/server/boot';
import { POOL_NAME_PATTERN } from '@/server/engine/document';
import { env, overrideEnv } from '@/server/env';
import { InvalidInputError, ServiceError } from '@/server/errors';
import { decideApproval } from '@/server/execution/decide';
import { defaultLimits } from '@/server/execution/deps';
import { exportFlow, getFlow } from '@/server/flows/get';
import { importFlow } from '@/server/flows/import';
import { listFlows } from '@/server/flows/list';
import { getFlowRun } from '@/server/runs/queries';
import { serve } from '@/server/serve';
import { builtinCatalog } from '@/server/tasks/catalog';
import { loadTaskTypes } from '@/server/tasks/custom';
import { startBoss } from '@/server/worker/boss';
import { buildApp, buildIsStale } from './build';
import { withDatabase } from './connect';
import { credentialsFile, forgetCredentials, remoteTarget, saveCredentials } from './credentials';
import { CliError, type CliIO, processIO, splitAssignment, table } from './output';
import {
  remoteDecide,
  remoteExportFlow,
  remoteImportFlow,
  remoteListFlows,
  remoteRun,
  remoteWhoAmI,
} from './remote-commands';
import { runCommand } from './run';
import { scheduleCommands } from './schedules';

interface Command {
  usage: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  run(args: {
    positionals: string[];
    values: Record<string, unknown>;
    root: string;
    io: CliIO;
  }): Promise<number | 'forever'>;
}

const log = (line: string) => console.log(`[pipewright] ${line}`);

/** `--pool gpu` (repeatable, or comma-separated): the pools a worker serves. */
const poolOption: ParseArgsConfig['options'] = { pool: { type: 'string', multiple: true } };

const commands: Record<string, Command> = {
  start: {
    usage: 'pipewright start [--pool <name>]...',
    summary: 'Build the app if needed and serve it with an in-process worker (PORT, default 3000).',
    options: poolOption,
    async run({ root, values }) {
      applyPoolOption(values);
      if (buildIsStale(root)) {
        log('Building the app (first start, or sources changed)…');
        buildApp(root);
      }
      await serve({ dir: root, log });
      return 'forever';
    },
  },
  build: {
    usage: 'pipewright build',
    summary: 'Build the web app for production.',
    async run({ root }) {
      buildApp(root);
      return 0;
    },
  },
  worker: {
    usage: 'pipewright worker [--pool <name>]...',
    summary:
      "Run a worker process (no web server) against DATABASE_URL or the embedded database; --pool: take only that pool's tasks.",
    options: poolOption,
    async run({ values }) {
      applyPoolOption(values);
      yieldToWebServer(env().PIPEWRIGHT_WORKER_NICENESS);
      // SIGINT/SIGTERM stop it cleanly (bootRuntime registers the shutdown).
      const booted = await bootRuntime({ worker: true, log });
      const pools = booted.worker?.pools.join(', ') ?? '';
      log(
        `Worker ${booted.worker?.id} running (pool${pools.includes(',') ? 's' : ''} ${pools}); Ctrl+C to stop`,
      );
      return 'forever';
    },
  },
  migrate: {
    usage: 'pipewright migrate',
    summary: 'Apply database migrations (they also run automatically at start).',
    async run({ io }) {
      await withDatabase(async (_db, url) => runMigrations(url));
      io.out('Migrations applied');
      return 0;
    },
  },
  run: {
    usage: 'pipewright run <flow.json | flow-id> [--param k=v]... [--json] [--refresh-cache]',
    summary: 'Run a flow to the end, printing progress; exits 0 only if the run completed.',
    options: {
      param: { type: 'string', multiple: true, short: 'p' },
      json: { type: 'boolean' },
      'refresh-cache': { type: 'boolean' },
    },
    async run({ positionals, values, io }) {
      const target = positionals[0];
      if (!target) throw new CliError('Missing <flow.json | flow-id>: the flow to run');
      const options = {
        params: (values.param as string[] | undefined) ?? [],
        json: Boolean(values.json),
        refreshCache: Boolean(values['refresh-cache']),
      };
      const server = await remoteTarget();
      if (server) return remoteRun(server, target, options, io);
      return runCommand(target, options, io);
    },
  },
  approve: {
    usage: 'pipewright approve <run-id> <node-id> [--reject] [--comment <text>] [--value k=v]...',
    summary: 'Approve (or --reject) an approval task that is waiting in a run.',
    options: {
      reject: { type: 'boolean' },
      comment: { type: 'string' },
      value: { type: 'string', multiple: true },
      by: { type: 'string' },
    },
    async run({ positionals, values, io }) {
      const [runId, nodeId] = positionals;
      if (!runId || !nodeId)
        throw new CliError('Missing <run-id> <node-id>: the run and the approval node');
      assertUuid(runId, 'run');
      const formValues: Record<string, unknown> = {};
      for (const pair of (values.value as string[] | undefined) ?? []) {
        const [name, raw] = splitAssignment('--value', pair);
        // Numbers and booleans are typed as such; the approval's form checks them.
        formValues[name] =
          raw === 'true'
            ? true
            : raw === 'false'
              ? false
              : raw.trim() !== '' && Number.isFinite(Number(raw))
                ? Number(raw)
                : raw;
      }
      const decision = values.reject ? 'reject' : 'approve';
      const server = await remoteTarget();
      if (server) {
        // The server records who decided: the key's owner (--by is for local use).
        await remoteDecide(server, {
          runId,
          nodeId,
          decision,
          comment: values.comment as string | undefined,
          values: formValues,
        });
        io.out(`${decision === 'approve' ? 'Approved' : 'Rejected'} "${nodeId}" in run ${runId}`);
        return 0;
      }
      await withDatabase(async (db, url) => {
        const run = await getFlowRun(db, runId);
        const task = run.tasks.find((t) => t.nodeId === nodeId);
        if (!task) throw new CliError(`run ${runId} has no node "${nodeId}"`);
        const boss = await startBoss(url, { supervise: false });
        try {
          await decideApproval(
            {
              db,
              boss,
              catalog: builtinCatalog,
              limits: defaultLimits,
              wakeLocal: () => {},
              handOffStart: () => null,
            },
            {
              taskRunId: task.id,
              decision,
              comment: values.comment as string | undefined,
              values: formValues,
              decidedBy: (values.by as string | undefined) ?? os.userInfo().username,
            },
          );
        } finally {
          await boss.stop({ graceful: false, wait: true });
        }
      });
      io.out(`${decision === 'approve' ? 'Approved' : 'Rejected'} "${nodeId}" in run ${runId}`);
      return 0;
    },
  },
  login: {
    usage: 'pipewright login --url <server> --key <pw_…>',
    summary: 'Use a server with an API key (Settings → API keys) instead of the database.',
    options: { url: { type: 'string' }, key: { type: 'string' } },
    async run({ values, io }) {
      const url = (values.url as string | undefined)?.replace(/\/+$/, '');
      const key = values.key as string | undefined;
      if (!url || !/^https?:\/\//.test(url))
        throw new CliError('--url <server> is required, e.g. --url http://localhost:3000');
      if (!key?.startsWith('pw_'))
        throw new CliError('--key <pw_…> is required: create one in Settings → API keys');
      // Checked before it is saved: a wrong key never becomes the login.
      const me = await remoteWhoAmI({ url, key });
      const file = await saveCredentials({ url, key });
      io.out(
        `Logged in to ${url} as ${me.user?.name ?? 'unknown'} <${me.user?.email ?? '?'}> (${me.role}); saved in ${file}`,
      );
      return 0;
    },
  },
  logout: {
    usage: 'pipewright logout',
    summary: 'Forget the saved server and key; commands use the database directly again.',
    async run({ io }) {
      const file = await forgetCredentials();
      io.out(`Removed ${file}`);
      return 0;
    },
  },
  'flows list': {
    usage: 'pipewright flows list [--json]',
    summary: 'List saved flows.',
    options: { json: { type: 'boolean' } },
    async run({ values, io }) {
      const server = await remoteTarget();
      const flows = server
        ? await remoteListFlows(server)
        : await withDatabase((db) => listFlows(db));
      if (values.json) {
        io.out(JSON.stringify(flows, null, 2));
      } else if (flows.length === 0) {
        io.out('No flows yet. Import one with: pipewright flows import <file.json>');
      } else {
        io.out(
          table([
            ['ID', 'NAME', 'VERSION', 'NODES', 'UPDATED'],
            ...flows.map((f) => [
              f.id,
              f.name,
              `v${f.latestVersion}`,
              String(f.nodeCount),
              f.updatedAt.toISOString(),
            ]),
          ]),
        );
      }
      return 0;
    },
  },
  'flows import': {
    usage: 'pipewright flows import <file.json> [--message <text>]',
    summary: 'Import a v1 flow document as a new flow; prints its id.',
    options: { message: { type: 'string' } },
    async run({ positionals, values, io }) {
      const file = positionals[0];
      if (!file) throw new CliError('Missing <file.json>: the flow document to import');
      let document: unknown;
      try {
        document = JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        throw new CliError(`Cannot read ${file}: ${(err as Error).message}`);
      }
      const message = values.message as string | undefined;
      const server = await remoteTarget();
      const { flow } = server
        ? await remoteImportFlow(server, { document, message })
        : await withDatabase(async (db) =>
            importFlow(db, await cliTaskCatalog(), { document, message }),
          );
      io.out(`Imported "${flow.name}" as ${flow.id}`);
      return 0;
    },
  },
  'flows export': {
    usage: 'pipewright flows export <flow-id> [--version <n>] [--out <file>]',
    summary: 'Print (or write) a flow as a v1 document.',
    options: { version: { type: 'string' }, out: { type: 'string' } },
    async run({ positionals, values, io }) {
      const id = positionals[0];
      if (!id) throw new CliError('Missing <flow-id>: see `pipewright flows list`');
      const version = values.version === undefined ? undefined : Number(values.version);
      if (version !== undefined && !(Number.isInteger(version) && version > 0)) {
        throw new CliError('--version must be a positive whole number');
      }
      assertUuid(id);
      const server = await remoteTarget();
      const document = server
        ? await remoteExportFlow(server, { id, version })
        : await withDatabase(async (db) => {
            await getFlow(db, { id });
            return exportFlow(db, { id, version });
          });
      const text = `${JSON.stringify(document, null, 2)}\n`;
      if (values.out) {
        await writeFile(values.out as string, text);
        io.out(`Wrote ${values.out}`);
      } else {
        io.out(text.trimEnd());
      }
      return 0;
    },
  },
  ...scheduleCommands,
};

/**
 * A worker process runs below normal CPU priority: on a machine it shares
 * with the web server, pages and API calls answer first while tasks keep
 * the CPU busy, and a machine of its own runs it as fast as before
 * (RELIABILITY.md, the load scenario). Set before the worker starts, so the
 * threads and sandbox hosts it starts inherit it. If the system refuses,
 * it says so and runs on.
 */
function yieldToWebServer(niceness: number) {
  if (niceness === 0) return;
  try {
    os.setPriority(Math.min(19, os.getPriority() + niceness));
  } catch (error) {
    log(`Could not lower the worker's CPU priority: ${(error as Error).message}`);
  }
}

/** Passes `--pool` on as PIPEWRIGHT_WORKER_POOLS (the flag wins over the variable). */
function applyPoolOption(values: Record<string, unknown>) {
  const given = values.pool as string[] | undefined;
  if (!given) return;
  const pools = given.flatMap((p) => p.split(',')).map((p) => p.trim());
  for (const pool of pools) {
    if (!POOL_NAME_PATTERN.test(pool)) {
      throw new CliError(
        `--pool "${pool}" is not a pool name: use lowercase letters, digits, "-" or "_" (e.g. --pool gpu)`,
      );
    }
  }
  overrideEnv({ PIPEWRIGHT_WORKER_POOLS: pools.join(',') });
}

/** The catalog documents are checked against: built-ins plus PIPEWRIGHT_TASKS_DIR. */
async function cliTaskCatalog() {
  const config = env();
  const types = await loadTaskTypes({
    allowShell: config.PIPEWRIGHT_ALLOW_SHELL,
    dir: config.PIPEWRIGHT_TASKS_DIR,
  });
  for (const problem of types.problems) console.error(`[pipewright] custom task types: ${problem}`);
  return types.catalog;
}

function assertUuid(id: string, what: 'flow' | 'run' = 'flow'): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    throw new CliError(
      what === 'flow'
        ? `"${id}" is not a flow id; see \`pipewright flows list\``
        : `"${id}" is not a run id`,
    );
  }
  return id;
}

function helpText(prefix = ''): string {
  const entries = Object.entries(commands).filter(([name]) => name.startsWith(prefix));
  return [
    'Pipewright — draw pipelines, run them durably on Postgres.',
    '',
    'Usage:',
    ...entries.map(([, c]) => `  ${c.usage.padEnd(58)} ${c.summary}`),
    '',
    'Environment: DATABASE_URL (default: embedded PostgreSQL in PIPEWRIGHT_DATA_DIR, .pipewright/), PORT.',
    `After \`pipewright login\` (or with PIPEWRIGHT_URL and PIPEWRIGHT_API_KEY set), run, approve and flows`,
    `talk to that server with the key instead of the database; credentials: ${credentialsFile()}.`,
    'Add --help to any command for its usage.',
  ].join('\n');
}

export async function runCli(argv: string[], root: string, io: CliIO = processIO): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = [`${words[0]} ${words[1]}`, words[0]].find((n) => n && commands[n]);
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (!name) {
    if (words.length === 0 || wantsHelp) {
      io.out(helpText(words[0] ?? ''));
      return words.length === 0 && !wantsHelp ? 1 : 0;
    }
    const group = Object.keys(commands).some((c) => c.startsWith(`${words[0]} `));
    if (group) {
      io.err(`Unknown command "${words.join(' ')}".\n\n${helpText(words[0])}`);
      return 1;
    }
    io.err(`pipewright: unknown command "${words[0]}"; see pipewright --help`);
    return 1;
  }
  const command = commands[name]!;
  if (wantsHelp) {
    io.out(`Usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  const rest = argv.slice(argv.indexOf(name.split(' ').at(-1)!) + 1);
  try {
    const { positionals, values } = parseArgs({
      args: rest,
      options: command.options ?? {},
      allowPositionals: true,
      strict: true,
    });
    const result = await command.run({ positionals, values, root, io });
    if (result === 'forever') return await new Promise<number>(() => {});
    return result;
  } catch (err) {
    io.err(`pipewright ${name}: ${describe(err)}`);
    return 1;
  }
}

function describe(err: unknown): string {
  if (err instanceof InvalidInputError) return err.message.replace(/\n/g, '\n  ');
  if (
    err instanceof CliError ||
    err instanceof ServiceError ||
    err instanceof DataDirectoryInUseError
  )
    return err.message;
  if (err instanceof Error && 'code' in err && err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return err.message;
  if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
    return `cannot reach the database (${err.message}); check DATABASE_URL`;
  }
  // drizzle wraps database errors as "Failed query: <sql>"; the reason is the cause.
  const cause = err instanceof Error ? (err.cause as Error | undefined) : undefined;
  if (cause instanceof Error && err instanceof Error && err.message.startsWith('Failed query')) {
    return `the database refused the change: ${cause.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}
