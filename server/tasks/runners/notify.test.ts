import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHttpServer, type TestServer } from '@/tests/helpers/http-server';
import { runnerContext } from '@/tests/tasks/runner-context';
import { PermanentTaskError, TaskTimeoutError } from '../runner';
import { notifyRunner } from './notify';

// One real webhook server; the path picks the answer.
let server: TestServer;
before(async () => {
  server = await startHttpServer((req, res) => {
    if (req.url === '/hooks/ok') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    } else if (req.url === '/hooks/revoked') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no_service');
    } else if (req.url === '/hooks/down') {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end(`<h1>down</h1>${'x'.repeat(5000)}`);
    }
    // /hooks/silent never answers.
  });
});
after(() => server.close());

const last = () => JSON.parse(server.requests.at(-1)!.body) as unknown;

describe('notify', () => {
  test('posts a Slack-compatible payload, with the title in bold', async () => {
    const ctx = runnerContext({
      url: `${server.url}/hooks/ok`,
      text: 'Backed up 3 files',
      title: 'Nightly backup',
    });
    const result = await notifyRunner.run(ctx);
    assert.deepEqual(last(), { text: '*Nightly backup*\nBacked up 3 files' });
    assert.equal(server.requests.at(-1)!.method, 'POST');
    assert.deepEqual(result, {
      output: { status: 200, text: '*Nightly backup*\nBacked up 3 files' },
    });
  });

  test('a text a template made into a list is sent as JSON', async () => {
    await notifyRunner.run(runnerContext({ url: `${server.url}/hooks/ok`, text: ['a.csv'] }));
    assert.deepEqual(last(), { text: '[\n  "a.csv"\n]' });
  });

  test('a non-2xx answer fails with the status and the start of the body', async () => {
    await assert.rejects(
      notifyRunner.run(runnerContext({ url: `${server.url}/hooks/revoked`, text: 'hi' })),
      (err: Error) => {
        assert.ok(err instanceof PermanentTaskError, 'a revoked hook will not come back');
        assert.equal(
          err.message,
          `the webhook at ${new URL(server.url).host} answered 404 Not Found: no_service`,
        );
        return true;
      },
    );
    await assert.rejects(
      notifyRunner.run(runnerContext({ url: `${server.url}/hooks/down`, text: 'hi' })),
      (err: Error) => {
        assert.ok(!(err instanceof PermanentTaskError), 'a server error may pass: retry');
        assert.match(err.message, /answered 503 Service Unavailable: <h1>down<\/h1>x+…$/);
        assert.ok(err.message.length < 500, 'the body is quoted, not pasted');
        assert.ok(!err.message.includes('/hooks/'), 'the secret path is not printed');
        return true;
      },
    );
  });

  test("a webhook that never answers times out within the node's time", async () => {
    const started = Date.now();
    await assert.rejects(
      notifyRunner.run(
        runnerContext({ url: `${server.url}/hooks/silent`, text: 'hi' }, { timeoutMs: 300 }),
      ),
      (err: Error) =>
        err instanceof TaskTimeoutError && /did not answer within 0\.3 s/.test(err.message),
    );
    assert.ok(Date.now() - started < 2000);
  });
});
