import assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { overrideEnv } from '@/server/env';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';
import { numberedDocuments } from '../helpers/flows';
import { startHttpServer, type TestServer } from '../helpers/http-server';

// Two allowed roots (the data and the archive), and a folder beside them that is not allowed.
const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'pipewright-backup-')));
const data = path.join(tmp, 'data');
const archive = path.join(tmp, 'archive');
const outside = path.join(tmp, 'outside');

let engine: TestEngine;
let webhook: TestServer;
before(async () => {
  for (const dir of [path.join(data, 'exports/eu'), archive, outside]) {
    await fs.mkdir(dir, { recursive: true });
  }
  await fs.writeFile(path.join(data, 'exports/orders.csv'), 'id,total\n1,9.99\n2,20.00\n');
  await fs.writeFile(path.join(data, 'exports/eu/customers.csv'), 'id,country\n7,FR\n');
  await fs.writeFile(path.join(data, 'exports/README.txt'), 'not part of the backup');
  await fs.writeFile(path.join(outside, 'passwords.csv'), 'root,hunter2\n');
  overrideEnv({ PIPEWRIGHT_FILES_ROOTS: `${data}:${archive}` });
  engine = await startTestEngine();
  webhook = await startHttpServer((req, res) => {
    res.writeHead(req.url === '/broken' ? 500 : 200, { 'content-type': 'text/plain' });
    res.end(req.url === '/broken' ? 'internal_error' : 'ok');
  });
});
after(async () => {
  await webhook.close();
  await engine.close();
  overrideEnv({ PIPEWRIGHT_FILES_ROOTS: undefined });
  await fs.rm(tmp, { recursive: true, force: true });
});

const flow = numberedDocuments('backup');

describe('the backup flow: list, copy to the archive, notify', () => {
  test('runs green; the copies have the same bytes; the webhook lists what was copied', async () => {
    const id = await engine.run(
      flow(
        [
          {
            id: 'list',
            type: 'files',
            config: { operation: 'list', path: 'exports', pattern: '**/*.csv' },
          },
          {
            id: 'copy',
            type: 'files',
            config: {
              operation: 'copy',
              from: '{{ nodes.list.output.directory }}',
              to: `${archive}/{{ params.day }}`,
              pattern: '**/*.csv',
            },
          },
          {
            id: 'notify',
            type: 'notify',
            config: {
              url: `${webhook.url}/hooks/backup`,
              title: 'Nightly backup',
              text: 'Copied {{ nodes.copy.output.files }} files ({{ nodes.copy.output.bytes }} bytes) to {{ nodes.copy.output.to }}: {{ nodes.copy.output.copied }}',
            },
          },
        ],
        [
          { source: 'list', target: 'copy' },
          { source: 'copy', target: 'notify' },
        ],
        { params: { day: { type: 'string', default: '2024-06-01' } } },
      ),
    );
    const run = await engine.waitForRun(id);
    assert.equal(
      run.state,
      'completed',
      JSON.stringify(run.tasks.map((t) => [t.nodeId, t.state, t.error])),
    );

    const listed = taskOf(run, 'list').output as { files: { path: string; size: number }[] };
    assert.deepEqual(
      listed.files.map((f) => [f.path, f.size]),
      [
        ['eu/customers.csv', 16],
        ['orders.csv', 24],
      ],
    );

    const day = path.join(archive, '2024-06-01');
    for (const file of ['orders.csv', 'eu/customers.csv']) {
      const original = await fs.readFile(path.join(data, 'exports', file));
      const copy = await fs.readFile(path.join(day, file));
      assert.ok(copy.equals(original), `${file} has the same bytes`);
    }
    await assert.rejects(fs.stat(path.join(day, 'README.txt')), { code: 'ENOENT' });

    assert.equal(webhook.requests.length, 1);
    assert.equal(webhook.requests[0]!.url, '/hooks/backup');
    assert.deepEqual(JSON.parse(webhook.requests[0]!.body), {
      text: `*Nightly backup*\nCopied 2 files (40 bytes) to ${day}: ["eu/customers.csv","orders.csv"]`,
    });

    const logs = await engine.api.runs.logs({ runId: id, taskRunId: taskOf(run, 'copy').id });
    assert.ok(
      logs.some((l) =>
        /^copied 2 files \(40 bytes\) from .*exports to .*2024-06-01$/.test(l.message),
      ),
    );
  });

  test('a webhook answering 500 fails the notify task with the status and body', async () => {
    const id = await engine.run(
      flow([
        {
          id: 'notify',
          type: 'notify',
          config: { url: `${webhook.url}/broken`, text: 'hello' },
        },
      ]),
    );
    const run = await engine.waitForRun(id);
    assert.equal(run.state, 'failed');
    assert.match(
      taskOf(run, 'notify').error!.message,
      /^the webhook at 127\.0\.0\.1:\d+ answered 500 Internal Server Error: internal_error$/,
    );
  });
});

describe('files tasks stay inside the allowed folders', () => {
  test('".." out of a root is refused, naming the path and the roots', async () => {
    const id = await engine.run(
      flow([
        {
          id: 'steal',
          type: 'files',
          config: { operation: 'copy', from: '../outside', to: `${archive}/stolen` },
          retry: { retries: 2, delaySeconds: 0 },
        },
      ]),
    );
    const run = await engine.waitForRun(id);
    const steal = taskOf(run, 'steal');
    assert.equal(steal.state, 'failed');
    assert.equal(steal.attempts.length, 1, 'a refused path is not retried');
    assert.equal(
      steal.error!.message,
      `from "../outside" is outside the folders files tasks may use (${data}, ${archive}); an operator sets them with PIPEWRIGHT_FILES_ROOTS`,
    );
    await assert.rejects(fs.stat(path.join(archive, 'stolen')), { code: 'ENOENT' });
  });

  test('a symbolic link inside a root pointing outside is refused', async () => {
    await fs.symlink(outside, path.join(data, 'shortcut'));
    const id = await engine.run(
      flow([
        {
          id: 'read',
          type: 'files',
          config: { operation: 'read', path: 'shortcut/passwords.csv' },
        },
      ]),
    );
    const run = await engine.waitForRun(id);
    assert.equal(run.state, 'failed');
    assert.equal(
      taskOf(run, 'read').error!.message,
      `path "shortcut/passwords.csv" leads through a symbolic link to ${outside}/passwords.csv, outside the folders files tasks may use (${data}, ${archive})`,
    );
    assert.equal(taskOf(run, 'read').output, null);
  });
});
