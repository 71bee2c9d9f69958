/**
 * `npm run test:faults`: the fault-injection suite (tests/faults/scenarios).
 * Each scenario boots its own embedded PostgreSQL in a temp directory,
 * real `pipewright worker` processes, and breaks things on purpose (SIGKILL,
 * SIGTERM, a database restart, terminated connections, duplicate jobs,
 * poison tasks, load); tests/faults/checker.ts then judges every run's
 * history. Scenarios run one after another: they measure recovery, and two
 * at once on a small machine would mostly measure each other.
 *
 *   npm run test:faults                      every scenario, full size
 *   npm run test:faults -- --ci              the CI-sized subset (fewer SIGKILL iterations)
 *   npm run test:faults -- sigkill --seed 9004   replay one SIGKILL iteration
 *   npm run test:faults -- postgres duplicates   only scenarios whose name has these words
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, buildIsStale } from '../server/cli/build';
import { readSummaries } from '../tests/faults/harness';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const ci = args.includes('--ci');
const seedAt = args.indexOf('--seed');
const seed = seedAt >= 0 ? args[seedAt + 1] : undefined;
if (seedAt >= 0 && !/^\d+$/.test(seed ?? '')) {
  console.error('--seed needs a number, e.g. --seed 9004');
  process.exit(2);
}
const words = args.filter((a, i) => !a.startsWith('--') && (seedAt < 0 || i !== seedAt + 1));

const dir = path.join(root, 'tests/faults/scenarios');
let files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .map((f) => path.join('tests/faults/scenarios', f));
if (words.length > 0) files = files.filter((f) => words.some((w) => f.includes(w)));
if (files.length === 0) {
  console.error(`No scenario matches ${words.join(' ')}`);
  process.exit(2);
}

// The load scenario measures the real web process: it needs the production build.
if (files.some((f) => f.includes('load')) && buildIsStale(root)) {
  process.stdout.write('\n▶ next build (the load scenario serves the production build)\n');
  buildApp(root);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pipewright-faults-'));
const summaryFile = path.join(tmp, 'summary.jsonl');
const t0 = Date.now();
process.stdout.write(
  `\n▶ ${files.length} fault scenario(s)${ci ? ' (CI size)' : ''}${seed ? `, seed ${seed}` : ''}\n`,
);
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_ENV: 'test',
      FAULTS_SUMMARY_FILE: summaryFile,
      FAULTS_MODE: ci ? 'ci' : 'full',
      FAULTS_SEED: seed ?? '',
      PIPEWRIGHT_URL: '',
      PIPEWRIGHT_API_KEY: '',
      PIPEWRIGHT_CREDENTIALS_FILE: path.join(tmp, 'no-login.json'),
    },
  },
);

const summaries = readSummaries(summaryFile);
rmSync(tmp, { recursive: true, force: true });
process.stdout.write('\n▶ fault scenarios\n');
for (const s of summaries) {
  process.stdout.write(
    `  ${s.scenario.padEnd(12)} ${String(s.iterations).padStart(3)} iter ${String(s.runs).padStart(5)} runs ${String(s.seconds).padStart(5)} s  ${s.outcome}${s.notes ? `\n  ${''.padEnd(12)} ${s.notes}` : ''}\n`,
  );
}
process.stdout.write(
  `${r.status === 0 ? '✔' : '✖'} fault injection (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
);
process.exit(r.status ?? 1);
