import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runningEmbeddedServer } from '@/db/embedded';
import { listFlows, listFlowVersions } from '@/server/flows/list';
import { repoRoot } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

/**
 * The `pipewright` command as a user runs it: `node bin/pipewright.mjs …` in
 * a child process, judged by its exit code, stdout and stderr.
 */

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const CLI_TIMEOUT_MS = 60_000;
/**
 * Tests run concurrently, but at most this many CLI processes at once: each
 * takes about a CPU-second to start, and the box has two cores.
 */
const MAX_CHILDREN = 2;
let children = 0;
const waiting: (() => void)[] = [];

async function pipewright(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  while (children >= MAX_CHILDREN) await new Promise<void>((r) => waiting.push(r));
  children++;
  try {
    return await spawnCli(args, env);
  } finally {
    children--;
    waiting.shift()?.();
  }
}

function spawnCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/pipewright.mjs'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `pipewright ${args.join(' ')} ran over ${CLI_TIMEOUT_MS} ms:\n${stdout}${stderr}`,
        ),
      );
    }, CLI_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const show = (r: CliResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

let tmp: string;
let tdb: TestDatabase;
/** Runs the CLI against this file's test database. */
const cli = (...args: string[]) => pipewright(args, { DATABASE_URL: tdb.url });

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pipewright-cli-'));
  tdb = await createTestDatabase();
});
after(async () => {
  await tdb.drop();
  rmSync(tmp, { recursive: true, force: true });
});

let fileCounter = 0;
function writeFlow(document: unknown, name = `flow-${++fileCounter}.json`): string {
  const file = path.join(tmp, name);
  writeFileSync(file, JSON.stringify(document, null, 2));
  return file;
}

interface ListedFlow {
  id: string;
  name: string;
  latestVersion: number;
  nodeCount: number;
}
async function listedFlows(env: Record<string, string> = { DATABASE_URL: tdb.url }) {
  const r = await pipewright(['flows', 'list', '--json'], env);
  assert.equal(r.code, 0, show(r));
  return JSON.parse(r.stdout) as ListedFlow[];
}

interface RunSummary {
  id: string;
  flow: { id: string; name: string; version: number };
  state: string;
  reason: string | null;
  params: Record<string, unknown>;
  tasks: Record<
    string,
    { state: string; output: unknown; error: string | null; attempts: { error: string | null }[] }
  >;
}
function runSummary(r: CliResult): RunSummary {
  try {
    return JSON.parse(r.stdout) as RunSummary;
  } catch {
    assert.fail(`--json did not print JSON:\n${show(r)}`);
  }
}

/** a → b, where b doubles a's output; a returns the `n` parameter. */
const doubling = (name: string, extra: Record<string, unknown> = {}) => ({
  version: 1,
  name,
  params: { n: { type: 'number', default: 5 } },
  nodes: [
    { id: 'a', type: 'code', config: { source: 'return params.n;' } },
    // `+` rather than `*`: a number parameter left as the text "21" would give "2121".
    { id: 'b', type: 'code', config: { source: 'return inputs.a + inputs.a;' } },
  ],
  edges: [{ source: 'a', target: 'b' }],
  ...extra,
});

// Every test uses its own flows, so they run side by side (see MAX_CHILDREN).
describe('pipewright command', { concurrency: true }, () => {
  describe('help and unknown commands', { concurrency: true }, () => {
    test('--help lists every command and exits 0', async () => {
      const r = await pipewright(['--help']);
      assert.equal(r.code, 0, show(r));
      for (const command of ['start', 'worker', 'migrate', 'run', 'flows list', 'flows import']) {
        assert.match(r.stdout, new RegExp(`pipewright ${command}\\b`), `--help names "${command}"`);
      }
      assert.match(r.stdout, /pipewright flows export <flow-id>/);
      assert.equal(r.stderr, '');
    });

    test('flows --help lists only the flows commands', async () => {
      const r = await pipewright(['flows', '--help']);
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /pipewright flows list/);
      assert.match(r.stdout, /pipewright flows import/);
      assert.match(r.stdout, /pipewright flows export/);
      assert.doesNotMatch(r.stdout, /pipewright (start|worker|run)\b/);
    });

    test('an unknown command exits non-zero with a one-line reason on stderr', async () => {
      const r = await pipewright(['frobnicate']);
      assert.notEqual(r.code, 0, show(r));
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, show(r));
      assert.match(lines[0]!, /unknown command "frobnicate".*--help/);
    });

    test('an unknown flows subcommand exits non-zero and names it', async () => {
      const r = await pipewright(['flows', 'frobnicate']);
      assert.notEqual(r.code, 0, show(r));
      assert.match(r.stderr.split('\n')[0]!, /Unknown command "flows frobnicate"/);
    });
  });

  describe('flows import, list and export', { concurrency: true }, () => {
    const document = {
      version: 1,
      name: 'CLI backup',
      description: 'Exported and imported unchanged',
      params: { source: { type: 'string', default: '/data/in', description: 'where to read' } },
      settings: { maxConcurrency: 2, timeoutSeconds: 600 },
      nodes: [
        {
          id: 'list',
          type: 'code',
          name: 'List files',
          position: { x: 10, y: 20 },
          config: { source: 'return [1, 2, 3];' },
          retry: { retries: 2, delaySeconds: 1, backoff: 'exponential', jitter: 0.1 },
          cache: { enabled: true, ttlSeconds: 60, version: 'v2' },
          timeoutSeconds: 30,
        },
        { id: 'pause', type: 'delay', config: { seconds: 1 } },
      ],
      edges: [{ source: 'list', target: 'pause' }],
    };
    let flowId: string;

    before(async () => {
      const r = await cli('flows', 'import', writeFlow(document, 'backup.json'));
      assert.equal(r.code, 0, show(r));
      const id = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(r.stdout)?.[0];
      assert.ok(id, `flows import printed no id:\n${show(r)}`);
      flowId = id;
    });

    test('flows list shows the imported flow, as a table and as JSON', async () => {
      const table = await cli('flows', 'list');
      assert.equal(table.code, 0, show(table));
      const row = table.stdout.split('\n').find((line) => line.startsWith(flowId));
      assert.ok(row, `no row for ${flowId}:\n${table.stdout}`);
      assert.match(row, /CLI backup\s+v1\s+2\b/);

      const flows = await listedFlows();
      const listed = flows.find((f) => f.id === flowId);
      assert.ok(listed, `--json lists ${flowId}`);
      assert.equal(listed.name, 'CLI backup');
      assert.equal(listed.latestVersion, 1);
      assert.equal(listed.nodeCount, 2);
    });

    test('flows export prints the document exactly as imported', async () => {
      const r = await cli('flows', 'export', flowId);
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(JSON.parse(r.stdout), document);
    });

    test('flows export --out writes the document to a file', async () => {
      const out = path.join(tmp, 'exported.json');
      const r = await cli('flows', 'export', flowId, '--out', out);
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, new RegExp(`Wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), document);
    });

    test('importing a document with a cycle exits 1 naming the nodes of the cycle', async () => {
      const r = await cli(
        'flows',
        'import',
        writeFlow({
          version: 1,
          name: 'Has a loop',
          nodes: ['start', 'left', 'right'].map((id) => ({
            id,
            type: 'code',
            config: { source: 'return 1;' },
          })),
          edges: [
            { source: 'start', target: 'left' },
            { source: 'left', target: 'right' },
            { source: 'right', target: 'left' },
          ],
        }),
      );
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, /cycle/);
      assert.match(r.stderr, /left → right → left|right → left → right/);
      assert.doesNotMatch(r.stderr, /start/, 'the node outside the cycle is not blamed');
      const saved = await listFlows(tdb.db, { search: 'Has a loop' });
      assert.deepEqual(saved, [], 'nothing was imported');
    });

    test('exporting something that is not a flow id exits 1 with the reason', async () => {
      const r = await cli('flows', 'export', 'not-a-uuid');
      assert.equal(r.code, 1, show(r));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /"not-a-uuid" is not a flow id/);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line');
    });
  });

  describe('run', { concurrency: true }, () => {
    test('run --json on a flow file completes and shows each task output', async () => {
      const r = await cli('run', writeFlow(doubling('CLI doubling')), '--json');
      assert.equal(r.code, 0, show(r));
      const run = runSummary(r);
      assert.equal(run.state, 'completed');
      assert.equal(run.flow.name, 'CLI doubling');
      assert.equal(run.tasks.a?.output, 5);
      assert.equal(run.tasks.b?.output, 10);
      assert.equal(run.tasks.b?.state, 'completed');
    });

    test('--param values are parsed by the parameter type', async () => {
      const r = await cli('run', writeFlow(doubling('CLI params')), '--param', 'n=21', '--json');
      assert.equal(r.code, 0, show(r));
      const run = runSummary(r);
      assert.deepEqual(run.params, { n: 21 });
      assert.equal(run.tasks.b?.output, 42);
    });

    test('a --param the flow does not define is refused, naming it', async () => {
      const r = await cli('run', writeFlow(doubling('CLI typo')), '--param', 'count=3', '--json');
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, /parameter "count": is not a parameter of this flow \(it has: n\)/);
    });

    test('a failing task fails the command, and --json shows its error', async () => {
      const r = await cli(
        'run',
        writeFlow({
          version: 1,
          name: 'CLI failing',
          nodes: [
            { id: 'ok', type: 'code', config: { source: 'return 1;' } },
            { id: 'boom', type: 'code', config: { source: 'throw new Error("disk full");' } },
          ],
          edges: [{ source: 'ok', target: 'boom' }],
        }),
        '--json',
      );
      assert.equal(r.code, 1, show(r));
      const run = runSummary(r);
      assert.equal(run.state, 'failed');
      assert.match(run.reason ?? '', /task "boom" failed/);
      assert.equal(run.tasks.ok?.state, 'completed');
      assert.equal(run.tasks.boom?.state, 'failed');
      assert.match(run.tasks.boom?.error ?? '', /disk full/);
      assert.match(run.tasks.boom?.attempts[0]?.error ?? '', /disk full/);
    });

    test('without --json, run prints progress lines naming the tasks, then "Run completed"', async () => {
      const r = await cli('run', writeFlow(doubling('CLI progress')));
      assert.equal(r.code, 0, show(r));
      const lines = r.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /Imported .* as "CLI progress"/);
      for (const task of ['a', 'b']) {
        assert.ok(
          lines.some((l) => new RegExp(`^[\\d:.]+\\s+${task} running \\(attempt 1\\)$`).test(l)),
          `a line says ${task} is running:\n${r.stdout}`,
        );
        assert.ok(
          lines.some((l) => new RegExp(`^[\\d:.]+\\s+${task} completed`).test(l)),
          `a line says ${task} completed:\n${r.stdout}`,
        );
      }
      const aDone = lines.findIndex((l) => /\sa completed/.test(l));
      const bStarts = lines.findIndex((l) => /\sb running/.test(l));
      assert.ok(aDone < bStarts, 'progress is printed in order');
      assert.equal(lines.at(-1), 'Run completed');
    });

    test('running the same file again reuses the flow; a changed file saves a new version', async () => {
      const name = 'CLI versions';
      const file = writeFlow(doubling(name), 'versions.json');
      const first = await cli('run', file, '--json');
      const second = await cli('run', file, '--json');
      assert.equal(first.code, 0, show(first));
      assert.equal(second.code, 0, show(second));
      assert.equal(runSummary(second).flow.id, runSummary(first).flow.id);
      assert.equal(runSummary(second).flow.version, 1);
      const mine = (await listedFlows()).filter((f) => f.name.startsWith(name));
      assert.deepEqual(
        mine.map((f) => [f.name, f.latestVersion]),
        [[name, 1]],
        'one flow, still at v1',
      );

      const changed = doubling(name);
      changed.nodes[1]!.config.source = 'return inputs.a * 3;';
      writeFileSync(file, JSON.stringify(changed));
      const third = await cli('run', file);
      assert.equal(third.code, 0, show(third));
      assert.match(third.stdout, new RegExp(`Saved .*versions\\.json as version 2 of "${name}"`));
      const versions = await listFlowVersions(tdb.db, mine[0]!.id);
      assert.deepEqual(
        versions.map((v) => v.version),
        [2, 1],
      );
      const table = await cli('flows', 'list');
      assert.equal(table.code, 0, show(table));
      const rows = table.stdout.split('\n').filter((line) => line.includes(name));
      assert.equal(rows.length, 1, table.stdout);
      assert.match(rows[0]!, new RegExp(`^${mine[0]!.id}\\s+${name}\\s+v2\\b`));
    });
  });

  describe('without DATABASE_URL', () => {
    test('run boots its own embedded database, and the flow is still there afterwards', async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pipewright-cli-data-'));
      const env = { DATABASE_URL: '', PIPEWRIGHT_DATA_DIR: dataDir };
      try {
        const r = await pipewright(['run', writeFlow(doubling('CLI embedded')), '--json'], env);
        assert.equal(r.code, 0, show(r));
        assert.equal(runSummary(r).state, 'completed');
        assert.equal(runSummary(r).tasks.b?.output, 10);
        assert.equal(
          await runningEmbeddedServer(dataDir),
          null,
          'the database it booted was stopped on exit',
        );

        const flows = await listedFlows(env);
        assert.deepEqual(
          flows.map((f) => [f.name, f.latestVersion]),
          [['CLI embedded', 1]],
        );
      } finally {
        // Only when a CLI process was killed mid-run: stop the server it left behind.
        const left = await runningEmbeddedServer(dataDir);
        if (left) process.kill(left.pid, 'SIGINT');
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});
