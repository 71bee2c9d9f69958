/**
 * Writes public/screenshots/flows.png (the flows list) and flow.png (the
 * flow editor after a run, one task open in the inspector) from the real
 * app, seeded with a few flows. Not a test: run it by hand after a UI
 * change and look at the pictures.
 *
 *   node --import tsx tests/browser/screenshots.ts
 *
 * It boots its own embedded PostgreSQL in a temp directory and starts the
 * production build (building first if sources changed). Writing into
 * public/ makes the build stale, so the next start rebuilds once.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { exampleFlowDocument } from '@/app/_components/flows-list/example-flow';
import { startEmbeddedPostgres } from '@/db/embedded';
import type { FlowDocument } from '@/server/engine/document';
import { repoRoot, startApp } from '../helpers/app';
import { sessionClient, signedInContext, signUpOwner } from '../helpers/auth';
import { launchBrowser } from '../helpers/browser';

const outDir = path.join(repoRoot, 'public', 'screenshots');

const dailyBackup: FlowDocument = {
  version: 1,
  name: 'Daily backup',
  description: "Copy yesterday's exports to the archive and report what was copied",
  params: { source: { type: 'string', default: '/data/in' } },
  nodes: [
    {
      id: 'list',
      type: 'code',
      name: 'List files',
      position: { x: 0, y: 0 },
      config: { source: 'return [1, 2, 3];' },
      retry: { retries: 3, delaySeconds: 2, backoff: 'exponential' },
      cache: { enabled: true, ttlSeconds: 3600 },
      timeoutSeconds: 30,
    },
    {
      id: 'post',
      type: 'http',
      name: 'Report',
      position: { x: 320, y: 0 },
      config: { method: 'POST', url: '{{ params.reportUrl }}', body: '{{ nodes.list.output }}' },
    },
  ],
  edges: [{ source: 'list', target: 'post' }],
};

const customerSync: FlowDocument = {
  version: 1,
  name: 'Customer sync',
  description: 'Pull new sign-ups from the CRM, enrich them and push them to billing',
  nodes: [
    { id: 'pull', type: 'http', config: { url: 'https://crm.example.com/api/signups' } },
    { id: 'enrich', type: 'code', config: { source: 'return inputs.pull;' } },
    { id: 'push', type: 'http', config: { method: 'POST', url: 'https://billing.example.com' } },
    { id: 'audit', type: 'code', config: { source: 'return { logged: true };' } },
  ],
  edges: [
    { source: 'pull', target: 'enrich' },
    { source: 'enrich', target: 'push' },
    { source: 'enrich', target: 'audit' },
  ],
};

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pipewright-screenshots-'));
  const database = await startEmbeddedPostgres({ dataDir });
  // With its in-process worker: the editor picture shows a finished run.
  const app = await startApp({ DATABASE_URL: database.url });
  const browser = await launchBrowser();
  const owner = await signUpOwner(app);
  try {
    const api = sessionClient(app, owner);

    // A few flows with some history, so the list and the version panel look lived-in.
    const example = await api.flows.import.mutate({ document: exampleFlowDocument });
    const withTimeout = {
      ...exampleFlowDocument,
      nodes: exampleFlowDocument.nodes.map((n) =>
        n.id === 'reorder' ? { ...n, timeoutSeconds: 30 } : n,
      ),
    };
    await api.flows.update.mutate({
      id: example.flow.id,
      baseVersion: 1,
      document: withTimeout,
      message: 'Time out the purchase order draft after 30 s',
    });
    await api.flows.update.mutate({
      id: example.flow.id,
      baseVersion: 2,
      document: { ...withTimeout, description: exampleFlowDocument.description },
      message: 'Check again hourly when nothing is low',
    });
    await api.flows.import.mutate({ document: dailyBackup });
    await api.flows.import.mutate({ document: customerSync });
    await api.flows.create.mutate({
      name: 'Weekly digest',
      description: 'Summarise the week for the team channel',
    });

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const ago: Record<string, string> = {
      'Example: restock check': '4 minutes',
      'Daily backup': '3 hours',
      'Customer sync': '2 days',
      'Weekly digest': '26 minutes',
    };
    for (const [name, interval] of Object.entries(ago)) {
      await client.query(
        "update flows set updated_at = now() - $2::interval, created_at = now() - interval '9 days' where name = $1",
        [name, interval],
      );
    }
    await client.query(
      `update flow_versions set created_at = now() - (interval '2 days' * (3 - version)) - interval '4 minutes'
        where flow_id = $1`,
      [example.flow.id],
    );
    await client.end();

    mkdirSync(outDir, { recursive: true });
    const context = await signedInContext(browser, app, owner, {
      viewport: { width: 1280, height: 760 },
    });
    const page = await context.newPage();

    await page.goto(`${app.url}/`);
    await page.getByTestId('flow-row').nth(3).waitFor();
    await page.screenshot({ path: path.join(outDir, 'flows.png') });

    await page.goto(`${app.url}/flows/${example.flow.id}`);
    await page.locator('.react-flow__node[data-id="wait"]').waitFor();
    await page.getByTestId('run-flow').click();
    await page.locator('.react-flow__node[data-id="reorder"][data-state="completed"]').waitFor();
    await page.locator('.react-flow__node[data-id="wait"][data-state="skipped"]').waitFor();
    await page.locator('.react-flow__node[data-id="count"]').click();
    await page.locator('[data-testid="code-editor"] .cm-content').waitFor();
    await page.mouse.move(0, 0);
    await page.waitForTimeout(300); // fitView settles after the nodes are measured
    await page.screenshot({ path: path.join(outDir, 'flow.png') });

    await context.close();
    console.log(`Wrote ${path.relative(repoRoot, outDir)}/flows.png and flow.png`);
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
