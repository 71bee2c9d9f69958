/**
 * `npm test`: lint + format check, type check, then every test file against
 * a real PostgreSQL. By default the suite boots one embedded server in a temp
 * directory; set TEST_DATABASE_URL (a server URL whose user may CREATE
 * DATABASE) to use another. Each test file makes its own database from a
 * migrated template, so files run in parallel without sharing state.
 *
 *   npm test                    everything
 *   npm test -- --only unit     skip lint, types, and tests that start the built app
 *   npm test -- tests/flows     only files whose path contains the words
 */
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, withDatabase } from '../db/embedded';
import { runMigrations } from '../db/migrate';
import { buildApp, buildIsStale } from '../server/cli/build';
import { env } from '../server/env';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const onlyUnit = args.includes('--only') && args[args.indexOf('--only') + 1] === 'unit';
const filters = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--only');

function step(name: string, cmd: string, cmdArgs: string[]) {
  const t0 = Date.now();
  process.stdout.write(`\n▶ ${name}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`✖ ${name} failed`);
    process.exit(r.status ?? 1);
  }
  process.stdout.write(`✔ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (/\.test\.tsx?$/.test(entry)) out.push(path.relative(root, p));
  }
  return out;
}

async function main() {
  const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
  if (!onlyUnit && filters.length === 0) {
    step('lint and format (biome)', bin('biome'), ['check', '.']);
    step('type check (tsc --noEmit)', bin('tsc'), ['--noEmit']);
  }

  let files = ['app', 'server', 'db', 'tests'].flatMap((d) => findTests(path.join(root, d)));
  const needsApp = (f: string) => f.startsWith('tests/browser') || f.startsWith('tests/app');
  if (onlyUnit) files = files.filter((f) => !needsApp(f));
  if (filters.length > 0) files = files.filter((f) => filters.some((w) => f.includes(w)));
  if (files.length === 0) {
    console.error('No test files matched');
    process.exit(1);
  }

  if (files.some(needsApp) && buildIsStale(root)) {
    process.stdout.write('\n▶ next build (browser tests run against the production build)\n');
    buildApp(root);
  }

  let stop: (() => Promise<void>) | undefined;
  let serverUrl = env().TEST_DATABASE_URL;
  let tmp: string | undefined;
  if (!serverUrl) {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'pipewright-test-'));
    const server = await startEmbeddedPostgres({ dataDir: tmp });
    serverUrl = server.url;
    stop = server.stop;
  }
  const exit = async (code: number) => {
    await stop?.();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void exit(130));

  try {
    // A migrated template: each test file clones it (CREATE DATABASE … TEMPLATE).
    const admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
    await admin.connect();
    await admin.query('drop database if exists pipewright_template');
    await admin.query('create database pipewright_template');
    await admin.end();
    await runMigrations(withDatabase(serverUrl, 'pipewright_template'));

    const concurrency = Math.max(2, os.availableParallelism());
    process.stdout.write(`\n▶ ${files.length} test files\n`);
    // Asynchronously, not spawnSync: the embedded PostgreSQL is this
    // process's child, and its log pipe is drained by this event loop. Blocked
    // for the whole suite, the pipe filled (the fuzzers make the server log
    // many errors), PostgreSQL blocked on its next log line and the run hung.
    const status = await runToEnd(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${concurrency}`,
        '--test-reporter=spec',
        ...files,
      ],
      {
        cwd: root,
        stdio: 'inherit',
        env: {
          ...process.env,
          PIPEWRIGHT_TEST_DATABASE_URL: serverUrl,
          NODE_ENV: 'test',
          // A developer's own `pipewright login` must not send CLI tests to their server.
          PIPEWRIGHT_URL: '',
          PIPEWRIGHT_API_KEY: '',
          PIPEWRIGHT_CREDENTIALS_FILE: path.join(
            os.tmpdir(),
            `pipewright-no-login-${process.pid}.json`,
          ),
        },
      },
    );
    await exit(status);
  } catch (err) {
    console.error(err);
    await exit(1);
  }
}

void main();

/** Runs a command with this terminal, resolving with its exit status (1 if killed). */
function runToEnd(command: string, args: string[], options: SpawnOptions): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, options);
    child.on('error', () => resolve(1));
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
