/**
 * Writes public/screenshots/dashboard.png: the dashboard over 7 days with
 * a week of history for three flows, one bar hovered. The history is
 * inserted as rows (a week of real runs cannot be waited for); everything
 * else is the real app. Not a test: run it by hand after a UI change.
 *
 *   node --import tsx tests/browser/dashboard-screenshot.ts
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '@/db/embedded';
import { repoRoot, startApp } from '../helpers/app';
import { sessionClient, signedInContext, signUpOwner } from '../helpers/auth';
import { launchBrowser } from '../helpers/browser';

const outDir = path.join(repoRoot, 'public', 'screenshots');

const flow = (name: string) => ({
  version: 1 as const,
  name,
  nodes: [{ id: 'only', type: 'code', position: { x: 0, y: 0 }, config: { source: 'return 1;' } }],
  edges: [],
});

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pipewright-screenshots-'));
  const database = await startEmbeddedPostgres({ dataDir });
  const app = await startApp({ DATABASE_URL: database.url, PIPEWRIGHT_WORKER: '0' });
  const owner = await signUpOwner(app);
  const browser = await launchBrowser();
  try {
    const api = sessionClient(app, owner);
    const flows = [];
    for (const name of ['Nightly warehouse load', 'Customer sync', 'Daily backup'])
      flows.push((await api.flows.import.mutate({ document: flow(name) })).flow.id);

    // Every 20 minutes for a week: mostly completed, some failures (more on
    // one bad day), a crash, cancellations, a few running now; durations
    // that drift up over the week for the warehouse load.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(
      `insert into flow_runs (flow_id, flow_version_id, state, trigger, created_at, started_at, ended_at)
       select f.id, v.id, s.state, 'schedule', t, t + interval '1 second',
         case when s.state in ('running', 'pending') then null
              else t + (f.n * 40 + 20 + (extract(epoch from (t - now())) / 3600 / 4) + 30 * random()) * interval '1 second' end
       from generate_series(now() - interval '7 days', now(), interval '20 minutes') as t
       cross join lateral (select row_number() over () as n, id from flows) f
       join flow_versions v on v.flow_id = f.id
       cross join lateral (select case
         when t > now() - interval '25 minutes' and f.n = 1 then 'running'
         when random() < (case when t::date = (now() - interval '3 days')::date then 0.35 else 0.06 end) then 'failed'
         when random() < 0.01 then 'crashed'
         when random() < 0.03 then 'cancelled'
         else 'completed' end as state) s
       where random() < 0.7`,
    );
    await client.end();

    mkdirSync(outDir, { recursive: true });
    const context = await signedInContext(browser, app, owner, {
      viewport: { width: 1280, height: 1010 },
    });
    const page = await context.newPage();
    await page.goto(`${app.url}/dashboard`);
    await page.getByTestId('dashboard-range-7d').click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="chart-bar"]').length === 7,
    );
    await page.getByTestId('duration-point').first().waitFor();
    await page.getByTestId('chart-bar').nth(4).hover();
    await page.getByTestId('chart-tooltip').waitFor();
    await page.screenshot({ path: path.join(outDir, 'dashboard.png') });
    await context.close();
    console.log(`Wrote ${path.relative(repoRoot, outDir)}/dashboard.png`);
  } finally {
    await browser.cleanup();
    await app.stop();
    await database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
