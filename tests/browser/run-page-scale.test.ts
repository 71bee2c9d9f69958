/**
 * The run page stays usable at 1,000 nodes, in real Chromium against the
 * production build: a 1,000-task run (the run page benchmark's layered
 * flow) with states seeded straight into its task rows — the app runs
 * without a worker, so nothing else moves them — draws every node it
 * renders with its own state, opens a node's panel on a click, and its
 * timeline keeps a small window of rows in the DOM (virtualized), not
 * 1,000. (Speed is `npm run bench:run-page`'s business, not this test's.)
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { type OwnerBrowserApp, startBrowserApp } from '../helpers/browser-app';
import { layeredFlow } from '../helpers/layered-flow';

let app: OwnerBrowserApp;

before(async () => {
  app = await startBrowserApp({ env: { PIPEWRIGHT_WORKER: '0' }, pageTimeout: 30_000 });
});

after(() => app?.close());

afterEach(() => app?.assertNoPageErrors());

const STATES = ['completed', 'failed', 'running', 'pending', 'skipped', 'cached'] as const;

test('a 1,000-node run: nodes drawn with their states, a node opens its panel, a small timeline DOM', async () => {
  const document = layeredFlow({ name: 'Thousand tasks' });
  assert.equal(document.nodes.length, 1000);
  const runId = await app.startRun(document);

  // Each node gets a state by its position, with an attempt (and its
  // timeline bar) for those that ran.
  const expected = new Map(document.nodes.map((n, i) => [n.id, STATES[i % STATES.length]!]));
  await app.tdb.db.$client.query(
    `update task_runs t
        set state = v.state,
            attempt = case when v.state in ('pending', 'skipped', 'cached') then 0 else 1 end,
            started_at = case when v.state in ('completed', 'failed', 'running')
                              then now() - interval '20 seconds' end,
            ended_at = case when v.state in ('completed', 'failed')
                            then now() - interval '5 seconds' end,
            queued_at = null
       from unnest($2::text[], $3::text[]) as v(node_id, state)
      where t.flow_run_id = $1 and t.node_id = v.node_id`,
    [runId, [...expected.keys()], [...expected.values()]],
  );
  await app.tdb.db.$client.query(
    `insert into task_attempts (task_run_id, attempt, state, started_at, ended_at)
     select id, 1, state, started_at, ended_at from task_runs
      where flow_run_id = $1 and state in ('completed', 'failed', 'running')`,
    [runId],
  );
  await app.tdb.db.$client.query(
    `update flow_runs set state = 'running', started_at = now() - interval '30 seconds' where id = $1`,
    [runId],
  );

  const page = await app.openPage(`/runs/${runId}`);
  await page.locator('[data-testid="run-page"][data-run-state="running"]').waitFor();
  await page.locator('.react-flow__node[data-state]').first().waitFor();

  // Every node the canvas renders carries its own task's state.
  const shown = await page
    .locator('.react-flow__node')
    .evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-id'), e.getAttribute('data-state')]),
    );
  assert.ok(shown.length >= 100, `${shown.length} nodes drawn`);
  const wrong = shown.filter(([id, state]) => expected.get(id ?? '') !== state);
  assert.deepEqual(wrong, [], 'each drawn node shows its task state');
  const counts = new Map<string, number>();
  for (const [, state] of shown) counts.set(state ?? '', (counts.get(state ?? '') ?? 0) + 1);
  for (const state of STATES) assert.ok(counts.get(state), `some node drawn ${state}`);

  // A click on a node opens its panel, with that task's state.
  const target = shown.find(([, state]) => state === 'failed')![0]!;
  await page.locator(`.react-flow__node[data-id="${target}"]`).click();
  const panel = page.getByTestId('task-panel');
  await panel.waitFor();
  assert.equal(await panel.getAttribute('data-node-id'), target);
  assert.equal(await panel.getByTestId('task-state').getAttribute('data-state'), 'failed');

  // The timeline holds 1,000 rows, but only a window of them is in the DOM.
  await page.getByTestId('tab-timeline').click();
  await page.locator('[data-testid="timeline-row"]').first().waitFor();
  const rows = await page.locator('[data-testid="timeline-row"]').count();
  assert.ok(rows > 5 && rows < 150, `${rows} timeline rows in the DOM for 1,000 tasks`);
  // Scrolled to the end, the last tasks' rows replace the first ones.
  await page.getByTestId('run-timeline').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  const last = document.nodes.at(-1)!.id;
  await page.locator(`[data-testid="timeline-row"][data-node-id="${last}"]`).waitFor();
  assert.equal(
    await page
      .locator(`[data-testid="timeline-row"][data-node-id="${document.nodes[0]!.id}"]`)
      .count(),
    0,
  );
  assert.ok((await page.locator('[data-testid="timeline-row"]').count()) < 150);
  await page.close();
});
