/**
 * The Schedules panel of the flow editor in real Chromium against the
 * production build: a schedule typed in the form is described and previewed
 * live, saved, listed with its next 5 fire times; its Scheduled run shows in
 * /runs and can be cancelled from its run page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitForHydration } from '../helpers/browser';
import { type OwnerBrowserApp, startBrowserApp } from '../helpers/browser-app';

let app: OwnerBrowserApp;

before(async () => {
  // The viewer is in New York; the schedule is in Madrid: both are shown.
  app = await startBrowserApp({ contextOptions: { timezoneId: 'America/New_York' } });
});

after(() => app?.close());

const clockIn = (timeZone: string, date: Date) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);

test('create a schedule in the editor panel: live description, next 5 times, then list, runs and cancel', async () => {
  // The daily hour is 12 hours from now in Madrid, so the run it schedules
  // cannot fire while the test cancels it (a fixed noon did, at 11:00 UTC).
  const madridHour = Number(clockIn('Europe/Madrid', new Date()).slice(0, 2));
  const hh = String((madridHour + 12) % 24).padStart(2, '0');
  const description = `Every day at ${hh}:00 (Europe/Madrid)`;
  const { flow } = await app.api.flows.import.mutate({
    document: {
      version: 1,
      name: 'Daily report',
      params: { region: { type: 'string', default: 'eu' } },
      nodes: [{ id: 'a', type: 'code', position: { x: 0, y: 0 }, config: { source: 'return 1;' } }],
      edges: [],
    },
  });
  const page = await app.openPage(`/flows/${flow.id}`);
  await page.getByTestId('open-schedules').click();
  const panel = page.getByTestId('schedules-panel');
  await panel.getByText('No schedules yet').waitFor();
  await panel.getByTestId('new-schedule').click();

  // A bad cron is named as you type.
  await panel.getByTestId('schedule-cron').fill('0 12 * *');
  await panel.getByTestId('field-error').filter({ hasText: 'has 4 fields' }).waitFor();

  await panel.getByTestId('schedule-cron').fill(`0 ${Number(hh)} * * *`);
  await panel.getByTestId('schedule-timezone').fill('Europe/Madrid');
  await panel
    .getByTestId('schedule-preview-description')
    .filter({ hasText: description })
    .waitFor();
  const preview = panel.getByTestId('schedule-preview').getByTestId('schedule-next-time');
  assert.equal(await preview.count(), 5);

  await panel.getByTestId('schedule-param-region').fill('us');
  await panel.getByTestId('schedule-save').click();

  const item = panel.getByTestId('schedule-item');
  await item.waitFor();
  assert.equal(await item.getByTestId('schedule-name').textContent(), description);
  const times = item.getByTestId('schedule-next-time');
  assert.equal(await times.count(), 5);
  const isoTimes = await times.evaluateAll((els) => els.map((e) => e.getAttribute('data-time')!));
  for (const iso of isoTimes) assert.equal(clockIn('Europe/Madrid', new Date(iso)), `${hh}:00`);
  // Each time in the schedule's zone and in the viewer's own (New York).
  const newYork = clockIn('America/New_York', new Date(isoTimes[0]!));
  assert.match(
    (await times.first().textContent()) ?? '',
    new RegExp(`${hh}:00 CES?T\\s*your time: \\w+,? ${newYork} `),
  );
  // New York is 5 or 6 hours behind Madrid (their summer times start on different dates).
  assert.ok([5, 6].includes((Number(hh) - Number(newYork.slice(0, 2)) + 24) % 24), newYork);
  assert.equal(await page.getByTestId('active-schedules-count').textContent(), '1');
  // Editing opens the form with the saved values and their preview.
  await item.getByTestId('schedule-edit').click();
  await panel
    .getByTestId('schedule-preview-description')
    .filter({ hasText: description })
    .waitFor();
  assert.equal(await panel.getByTestId('schedule-param-region').inputValue(), 'us');
  await panel.getByTestId('schedule-cancel').click();

  const [schedule] = await app.api.schedules.list.query({ flowId: flow.id });
  assert.deepEqual(schedule!.params, { region: 'us' });

  // Its next run is materialised: Scheduled in /runs, cancellable from its page.
  const runs = await app.openPage(`/runs?flowId=${flow.id}`);
  const row = runs.locator('[data-testid="run-row"][data-state="scheduled"]').first();
  await row.waitFor();
  assert.equal(await row.getByTestId('run-state-badge').textContent(), 'Scheduled');
  await row.getByTestId('run-link').click();
  await runs.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  await runs.getByTestId('run-scheduled-for').waitFor();
  // The header arrives rendered by the server: click once React owns it.
  await waitForHydration(runs.getByTestId('cancel-run'));
  await runs.getByTestId('cancel-run').click();
  await runs.locator('[data-testid="run-state-badge"][data-state="cancelled"]').first().waitFor();

  // Pausing from the panel.
  await item.getByTestId('schedule-active-toggle').click();
  await panel.locator('[data-testid="schedule-item"][data-active="false"]').waitFor();
  assert.equal(await page.getByTestId('active-schedules-count').count(), 0);
  assert.deepEqual(
    app.pageErrors.map((e) => e.message),
    [],
  );
});

test('a scheduled run past its late threshold shows Late, with why; one within it does not', async () => {
  // Its task is in a pool no worker serves: fired runs wait, Pending, and turn Late.
  const { flow } = await app.api.flows.import.mutate({
    document: {
      version: 1,
      name: 'Stuck export',
      settings: { pool: 'nowhere' },
      nodes: [{ id: 'a', type: 'code', position: { x: 0, y: 0 }, config: { source: 'return 1;' } }],
      edges: [],
    },
  });
  const lateSchedule = await app.api.schedules.create.mutate({
    flowId: flow.id,
    cron: '* * * * * *',
    timezone: 'UTC',
    lateAfterSeconds: 2,
  });
  const deadline = Date.now() + 30_000;
  let lateRun: { id: string } | undefined;
  while (!lateRun) {
    const { runs } = await app.api.runs.list.query({ flowId: flow.id });
    lateRun = runs.find((r) => r.late && r.state === 'pending');
    if (Date.now() > deadline) throw new Error('no run turned late');
    if (!lateRun) await new Promise((r) => setTimeout(r, 200));
  }
  await app.api.schedules.pause.mutate({ id: lateSchedule.id });

  const page = await app.openPage(`/runs/${lateRun.id}`);
  const badge = page.getByTestId('run-state-badge');
  await badge.filter({ hasText: 'Late' }).waitFor();
  assert.equal(await badge.getAttribute('data-late'), 'true');
  assert.equal(await badge.getAttribute('data-state'), 'pending');
  await page
    .getByTestId('waiting-reason')
    .getByTestId('waiting-message')
    .filter({ hasText: 'Late: no worker is online in pool nowhere.' })
    .waitFor();

  // In /runs the row says Late too.
  const list = await app.openPage(`/runs?flowId=${flow.id}`);
  const row = list.locator(`[data-testid="run-row"]`).filter({
    has: list.locator(`a[href$="/runs/${lateRun.id}"]`),
  });
  await row.getByTestId('run-state-badge').filter({ hasText: 'Late' }).waitFor();

  // A run due later (threshold not passed): Scheduled, not Late, and why says so.
  const later = await app.api.schedules.create.mutate({
    flowId: flow.id,
    cron: '0 0 1 1 *',
    timezone: 'UTC',
  });
  const { runs } = await app.api.runs.list.query({ flowId: flow.id, state: 'scheduled' });
  const ahead = runs.find((r) => r.scheduleId === later.id) ?? runs[0]!;
  assert.equal(ahead.late, false);
  const aheadPage = await app.openPage(`/runs/${ahead.id}`);
  const aheadBadge = aheadPage.getByTestId('run-state-badge');
  await aheadBadge.filter({ hasText: 'Scheduled' }).waitFor();
  assert.equal(await aheadBadge.getAttribute('data-late'), null);
  await aheadPage
    .getByTestId('waiting-message')
    .filter({ hasText: 'Scheduled to start later.' })
    .first()
    .waitFor();
  await app.api.schedules.delete.mutate({ id: later.id });
  assert.deepEqual(
    app.pageErrors.map((e) => e.message),
    [],
  );
});
