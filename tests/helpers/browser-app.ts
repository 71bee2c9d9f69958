import assert from 'node:assert/strict';
import type { TRPCClient } from '@trpc/client';
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { AppRouter } from '@/server/api/root';
import type { FlowDocument } from '@/server/engine/document';
import { type RunningApp, startApp } from './app';
import { type Session, sessionClient, signedInContext, signUpOwner } from './auth';
import { launchBrowser, type TestBrowser } from './browser';
import { createTestDatabase, type TestDatabase } from './db';

/**
 * What a browser test file starts before its tests: a fresh database, the
 * production build on it (tests/helpers/app.ts) and Chromium
 * (tests/helpers/browser.ts). Pages opened through it have their uncaught
 * errors collected, so a file can assert after each test that there were
 * none. `close` ends everything in order: contexts, browser, app, database.
 */
export interface BrowserApp {
  url: string;
  tdb: TestDatabase;
  browser: TestBrowser;
  /** What the app's process has printed so far. */
  output(): string;
  /** Uncaught errors of the pages opened through `newPage`, since the last `assertNoPageErrors`. */
  pageErrors: Error[];
  /** A new browser context — signed in as `as`, or with no cookies — closed by `close`. */
  newContext(as?: Session, options?: BrowserContextOptions): Promise<BrowserContext>;
  /** A new page of `context`, its uncaught errors collected, waiting `pageTimeout` by default. */
  newPage(context: BrowserContext): Promise<Page>;
  /** Fails (and starts over) if any page threw since the last call. */
  assertNoPageErrors(): void;
  close(): Promise<void>;
}

/** A BrowserApp whose owner account exists, with their browser context and tRPC client. */
export interface OwnerBrowserApp extends BrowserApp {
  owner: Session;
  api: TRPCClient<AppRouter>;
  /** The owner's browser context, made with the app's context options. */
  context: BrowserContext;
  /** Opens `pathname` of the app in a new page of `context` (the owner's by default). */
  openPage(pathname: string, context?: BrowserContext): Promise<Page>;
  /** Imports `document` as a new flow; returns its id. */
  importFlow(document: FlowDocument): Promise<string>;
  /** Imports `document` and starts a run of it; returns the run id. */
  startRun(document: FlowDocument): Promise<string>;
  /** Polls until the run has ended; fails after `timeoutMs` (30 s unless given). */
  waitForRunEnd(
    id: string,
    timeoutMs?: number,
  ): Promise<Awaited<ReturnType<TRPCClient<AppRouter>['runs']['get']['query']>>>;
}

export interface BrowserAppOptions {
  /** More environment for the app (its DATABASE_URL is the fresh database's). */
  env?: Record<string, string>;
  /** Options of every browser context it opens; the viewport is 1400×900 unless given. */
  contextOptions?: BrowserContextOptions;
  /** Default wait of its pages, in ms (15 s unless given). */
  pageTimeout?: number;
}

/**
 * A fresh instance nobody has signed up to yet (the first visitor becomes
 * its owner): for tests of accounts themselves. Most files want
 * `startBrowserApp`.
 */
export async function startBrowserAppWithoutAccounts(
  options: BrowserAppOptions = {},
): Promise<BrowserApp> {
  const contextOptions = { viewport: { width: 1400, height: 900 }, ...options.contextOptions };
  const pageTimeout = options.pageTimeout ?? 15_000;
  const contexts: BrowserContext[] = [];
  const pageErrors: Error[] = [];
  const started: { tdb?: TestDatabase; running?: RunningApp; browser?: TestBrowser } = {};

  async function close() {
    for (const context of contexts) await context.close().catch(() => {});
    await started.browser?.cleanup();
    await started.running?.stop();
    await started.tdb?.drop();
  }

  // Whatever started before a failure is stopped again.
  try {
    started.tdb = await createTestDatabase();
    started.running = await startApp({ DATABASE_URL: started.tdb.url, ...options.env });
    started.browser = await launchBrowser();
  } catch (err) {
    await close();
    throw err;
  }
  const { tdb, running, browser } = started;
  const app: BrowserApp = {
    url: running.url,
    tdb,
    browser,
    output: () => running.output(),
    pageErrors,
    async newContext(as, more = {}) {
      const merged = { ...contextOptions, ...more };
      const context = as
        ? await signedInContext(browser, app, as, merged)
        : await browser.newContext(merged);
      contexts.push(context);
      return context;
    },
    async newPage(context) {
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error));
      page.setDefaultTimeout(pageTimeout);
      return page;
    },
    assertNoPageErrors() {
      const errors = pageErrors.splice(0);
      assert.deepEqual(
        errors.map((e) => e.message),
        [],
        'no uncaught errors in the page',
      );
    },
    close,
  };
  return app;
}

/**
 * A fresh instance with its owner signed up (auth itself is tested in
 * tests/browser/auth.test.ts), the owner's browser context open and a tRPC
 * client calling as them.
 */
export async function startBrowserApp(options: BrowserAppOptions = {}): Promise<OwnerBrowserApp> {
  const base = await startBrowserAppWithoutAccounts(options);
  let owner: Session;
  let context: BrowserContext;
  try {
    owner = await signUpOwner(base);
    context = await base.newContext(owner);
  } catch (err) {
    await base.close();
    throw err;
  }
  const api = sessionClient(base, owner);
  return {
    ...base,
    owner,
    api,
    context,
    async openPage(pathname, inContext = context) {
      const page = await base.newPage(inContext);
      await page.goto(`${base.url}${pathname}`);
      return page;
    },
    async importFlow(document) {
      const { flow } = await api.flows.import.mutate({ document });
      return flow.id;
    },
    async startRun(document) {
      const { flow } = await api.flows.import.mutate({ document });
      const { id } = await api.runs.start.mutate({ flowId: flow.id });
      return id;
    },
    async waitForRunEnd(id, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = await api.runs.get.query({ id });
        if (['completed', 'failed', 'cancelled', 'crashed'].includes(run.state)) return run;
        if (Date.now() > deadline) assert.fail(`run ${id} still ${run.state}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
