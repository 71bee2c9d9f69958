/**
 * The scenario in real Chromium against the production build: a
 * task pinned to pool `gpu` waits, and its run page says why ("No worker is
 * online in pool gpu", with the command to start one) — in the banner and in
 * the task's panel — until a real `pipewright worker --pool gpu` process
 * starts; then the run completes and the banner goes away. The Workers page
 * lists both workers live, and the gpu worker as offline once it stops.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { type PipewrightProcess, spawnPipewright } from '../helpers/app';
import { type OwnerBrowserApp, startBrowserApp } from '../helpers/browser-app';

let app: OwnerBrowserApp;
let gpuWorker: PipewrightProcess | undefined;

before(async () => {
  app = await startBrowserApp({ pageTimeout: 20_000 });
});

after(async () => {
  if (gpuWorker && gpuWorker.exitCode === null) gpuWorker.kill('SIGKILL');
  await app?.close();
});

afterEach(() => app?.assertNoPageErrors());

const startGpuWorker = () =>
  spawnPipewright(['worker', '--pool', 'gpu'], { DATABASE_URL: app.tdb.url });

test('a task pinned to pool gpu says why it waits until a gpu worker starts, then completes', async () => {
  const { flow } = await app.api.flows.import.mutate({
    document: {
      version: 1,
      name: 'Train on GPU',
      nodes: [
        {
          id: 'train',
          type: 'code',
          position: { x: 0, y: 0 },
          config: { source: 'return { trained: true };' },
          pool: 'gpu',
        },
      ],
      edges: [],
    },
  });
  const { id } = await app.api.runs.start.mutate({ flowId: flow.id });

  const page = await app.openPage(`/runs/${id}`);
  const banner = page.getByTestId('waiting-reason');
  await banner.waitFor();
  assert.equal(await banner.getAttribute('data-kind'), 'no-worker');
  const text = (await banner.textContent()) ?? '';
  assert.match(text, /Why isn.t this running\?/);
  assert.match(text, /No worker is online in pool gpu\./);
  assert.equal(
    await banner.getByTestId('waiting-command').textContent(),
    'npx pipewright worker --pool gpu',
  );
  assert.equal(
    await page.locator('[data-testid="run-page"]').getAttribute('data-run-state'),
    'pending',
  );

  // The task's own panel says the same.
  await page.locator('.react-flow__node[data-id="train"]').click();
  const taskReason = page.getByTestId('task-waiting-reason');
  await taskReason.waitFor();
  assert.match((await taskReason.textContent()) ?? '', /No worker is online in pool gpu/);

  // The Workers page: only the app's own worker, in the default pool.
  const workersPage = await app.openPage('/workers');
  const rows = workersPage.getByTestId('worker-row');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  assert.equal(await rows.first().getAttribute('data-online'), 'true');
  assert.equal(await rows.first().getByTestId('worker-pools').textContent(), 'default');

  // A gpu worker starts: the task runs, the run completes, the banner goes.
  gpuWorker = startGpuWorker();
  await page
    .locator('[data-testid="run-page"][data-run-state="completed"]')
    .waitFor({ timeout: 60_000 })
    .catch((err: Error) => {
      throw new Error(`${err.message}\ngpu worker:\n${gpuWorker?.output()}`);
    });
  await banner.waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('task-waiting-reason').count(), 0);
  const run = await app.api.runs.get.query({ id });
  assert.ok(run.tasks[0]!.attempts[0]!.workerId!.endsWith(`:${gpuWorker.pid}`));

  // The Workers page picks the gpu worker up on its own, online.
  const gpuRow = workersPage.locator(
    `[data-testid="worker-row"][data-worker-id$=":${gpuWorker.pid}"]`,
  );
  await gpuRow.waitFor();
  assert.equal(await gpuRow.getAttribute('data-online'), 'true');
  assert.equal(await gpuRow.getByTestId('worker-pools').textContent(), 'gpu');

  // Stopped, it turns offline.
  gpuWorker.kill('SIGTERM');
  await workersPage
    .locator(`[data-testid="worker-row"][data-worker-id$=":${gpuWorker.pid}"][data-online="false"]`)
    .waitFor();
  assert.match((await gpuRow.getByTestId('worker-status').textContent()) ?? '', /Offline/);
  await page.close();
  await workersPage.close();
});
