import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs, mkdtempSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { overrideEnv } from '@/server/env';
import { runnerContext } from '@/tests/tasks/runner-context';
import { PermanentTaskError } from '../runner';
import { filesRunner, MAX_READ_BYTES } from './files';

// Real folders: two allowed roots and, beside them, one that is not allowed.
const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'pipewright-files-')));
const data = path.join(tmp, 'data');
const archive = path.join(tmp, 'archive');
const outside = path.join(tmp, 'outside');

before(() => overrideEnv({ PIPEWRIGHT_FILES_ROOTS: `${data}:${archive}` }));
after(async () => {
  overrideEnv({ PIPEWRIGHT_FILES_ROOTS: undefined });
  await fs.rm(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  for (const dir of [data, archive, outside]) {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
  }
  await fs.mkdir(path.join(data, 'exports/2024'), { recursive: true });
  await fs.writeFile(path.join(data, 'exports/a.csv'), 'id,name\n1,ada\n');
  await fs.writeFile(path.join(data, 'exports/2024/b.csv'), 'id\n2\n');
  await fs.writeFile(path.join(data, 'exports/notes.txt'), 'not a csv');
  await fs.writeFile(path.join(outside, 'secret.txt'), 'top secret');
});

const run = async (config: Record<string, unknown>) => {
  const ctx = runnerContext(config);
  const result = await filesRunner.run(ctx);
  assert.ok('output' in result);
  return { output: result.output as Record<string, unknown>, ctx };
};

describe('files', () => {
  test('list finds files by pattern, with sizes and times, relative to the folder', async () => {
    const { output } = await run({ operation: 'list', path: 'exports', pattern: '**/*.csv' });
    assert.equal(output.directory, path.join(data, 'exports'));
    assert.equal(output.truncated, false);
    const files = output.files as { path: string; size: number; modifiedAt: string }[];
    assert.deepEqual(
      files.map((f) => [f.path, f.size]),
      [
        ['2024/b.csv', 5],
        ['a.csv', 14],
      ],
    );
    assert.ok(!Number.isNaN(Date.parse(files[0]!.modifiedAt)));
  });

  test('write creates folders and pretty-prints JSON; read returns the text', async () => {
    const written = await run({
      operation: 'write',
      path: 'reports/today/summary.json',
      content: { count: 2, names: ['ada'] },
    });
    assert.equal(written.output.path, path.join(data, 'reports/today/summary.json'));
    const { output } = await run({ operation: 'read', path: 'reports/today/summary.json' });
    assert.equal(output.content, '{\n  "count": 2,\n  "names": [\n    "ada"\n  ]\n}\n');
    await run({ operation: 'write', path: `${archive}/plain.txt`, content: 'hello' });
    assert.equal(await fs.readFile(path.join(archive, 'plain.txt'), 'utf8'), 'hello');
  });

  test('read refuses a file over the limit, loudly', async () => {
    await fs.writeFile(path.join(data, 'big.txt'), Buffer.alloc(MAX_READ_BYTES + 1, 'a'));
    await assert.rejects(
      run({ operation: 'read', path: 'big.txt' }),
      (err: Error) => err instanceof PermanentTaskError && /over the 1\.0 MiB/.test(err.message),
    );
  });

  test('copy streams a folder (selected by pattern) into another root, byte for byte', async () => {
    // Bigger than any stream buffer, so it really is streamed in pieces.
    const big = randomBytes(3 * 1024 * 1024 + 17);
    await fs.writeFile(path.join(data, 'exports/2024/big.csv'), big);
    const { output } = await run({
      operation: 'copy',
      from: 'exports',
      to: `${archive}/day-1`,
      pattern: '**/*.csv',
    });
    assert.deepEqual(output.copied, ['2024/b.csv', '2024/big.csv', 'a.csv']);
    assert.equal(output.files, 3);
    assert.equal(output.bytes, 5 + big.length + 14);
    assert.ok((await fs.readFile(path.join(archive, 'day-1/2024/big.csv'))).equals(big));
    assert.equal(await fs.readFile(path.join(archive, 'day-1/a.csv'), 'utf8'), 'id,name\n1,ada\n');
    await assert.rejects(fs.stat(path.join(archive, 'day-1/notes.txt')), { code: 'ENOENT' });
    // Copying again replaces what is there (a re-run backup), leaving no partial files.
    await fs.writeFile(path.join(data, 'exports/a.csv'), 'changed');
    await run({ operation: 'copy', from: 'exports', to: `${archive}/day-1`, pattern: '*.csv' });
    assert.equal(await fs.readFile(path.join(archive, 'day-1/a.csv'), 'utf8'), 'changed');
    const leftovers = await fs.readdir(path.join(archive, 'day-1'));
    assert.ok(!leftovers.some((f) => f.includes('partial')), leftovers.join(', '));
  });

  test('copy into a folder inside the source does not copy the copy', async () => {
    const { output } = await run({ operation: 'copy', from: '.', to: 'backup' });
    assert.equal(output.files, 3);
    const again = await run({ operation: 'copy', from: '.', to: 'backup' });
    assert.equal(again.output.files, 3, 'backup/ itself is not copied into backup/backup');
  });

  test('copy of one file into an existing folder keeps its name', async () => {
    const { output } = await run({ operation: 'copy', from: 'exports/a.csv', to: archive });
    assert.deepEqual(output.copied, ['a.csv']);
    assert.equal(await fs.readFile(path.join(archive, 'a.csv'), 'utf8'), 'id,name\n1,ada\n');
  });

  test('move leaves nothing behind at the source', async () => {
    const { output } = await run({ operation: 'move', from: 'exports', to: `${archive}/moved` });
    assert.equal(output.files, 3);
    await assert.rejects(fs.stat(path.join(data, 'exports')), { code: 'ENOENT' });
    assert.equal(await fs.readFile(path.join(archive, 'moved/2024/b.csv'), 'utf8'), 'id\n2\n');
  });

  test('delete removes a folder, or only matching files; never a root; again is fine', async () => {
    const some = await run({ operation: 'delete', path: 'exports', pattern: '**/*.txt' });
    assert.equal(some.output.files, 1);
    assert.ok((await fs.readdir(path.join(data, 'exports'))).includes('a.csv'));
    const all = await run({ operation: 'delete', path: 'exports' });
    assert.equal(all.output.files, 2);
    await assert.rejects(fs.stat(path.join(data, 'exports')), { code: 'ENOENT' });
    const again = await run({ operation: 'delete', path: 'exports' });
    assert.equal(again.output.existed, false);
    for (const root of ['.', archive, `${archive}/sub/..`, tmp]) {
      await assert.rejects(
        run({ operation: 'delete', path: root }),
        /allowed folder itself|outside the folders/,
      );
    }
    assert.ok((await fs.stat(archive)).isDirectory());
  });

  test('paths escaping the roots are refused, naming the path and the roots', async () => {
    const roots = `${data}, ${archive}`;
    const attempts: [Record<string, unknown>, RegExp][] = [
      [
        { operation: 'read', path: '../outside/secret.txt' },
        /path "\.\.\/outside\/secret\.txt" is outside/,
      ],
      [{ operation: 'read', path: path.join(outside, 'secret.txt') }, /is outside the folders/],
      [
        { operation: 'copy', from: 'exports', to: 'exports/../../outside' },
        /to "exports\/\.\.\/\.\.\/outside" is outside/,
      ],
      [{ operation: 'list', path: '/' }, /is outside/],
    ];
    for (const [config, message] of attempts) {
      await assert.rejects(run(config), (err: Error) => {
        assert.ok(err instanceof PermanentTaskError, err.message);
        assert.match(err.message, message);
        assert.ok(err.message.includes(roots), err.message);
        return true;
      });
    }
  });

  test('symbolic links pointing outside are refused, wherever they are in the path', async () => {
    await fs.symlink(outside, path.join(data, 'escape'));
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(data, 'secret-link.txt'));
    await fs.symlink(path.join(outside, 'new.txt'), path.join(data, 'dangling.txt'));
    const refused: Record<string, unknown>[] = [
      { operation: 'read', path: 'escape/secret.txt' },
      { operation: 'read', path: 'secret-link.txt' },
      { operation: 'write', path: 'escape/new.txt', content: 'x' },
      { operation: 'write', path: 'dangling.txt', content: 'x' },
      { operation: 'copy', from: 'exports', to: 'escape/copied' },
      { operation: 'copy', from: 'escape', to: 'stolen' },
      { operation: 'list', path: 'escape' },
    ];
    for (const config of refused) {
      await assert.rejects(run(config), (err: Error) => {
        assert.ok(err instanceof PermanentTaskError, `${JSON.stringify(config)}: ${err.message}`);
        assert.match(err.message, /leads through a symbolic link to .*outside the folders/);
        return true;
      });
    }
    await assert.rejects(fs.stat(path.join(outside, 'new.txt')), { code: 'ENOENT' });
    // Walking a folder skips the links (and says so) instead of following them out.
    const { output, ctx } = await run({ operation: 'copy', from: '.', to: `${archive}/all` });
    assert.deepEqual(output.copied, ['exports/2024/b.csv', 'exports/a.csv', 'exports/notes.txt']);
    assert.match(ctx.logText(), /skipped secret-link\.txt: a symbolic link to .*outside/);
    // Deleting a link removes the link, not what it points at.
    await run({ operation: 'delete', path: 'escape' });
    assert.equal(await fs.readFile(path.join(outside, 'secret.txt'), 'utf8'), 'top secret');
  });

  test('with no roots configured, files live in <data dir>/files, created on first use', async () => {
    const dataDir = path.join(tmp, 'state');
    overrideEnv({ PIPEWRIGHT_FILES_ROOTS: undefined, PIPEWRIGHT_DATA_DIR: dataDir });
    try {
      const { output } = await run({ operation: 'write', path: 'hello.txt', content: 'hi' });
      assert.equal(output.path, path.join(dataDir, 'files/hello.txt'));
    } finally {
      overrideEnv({ PIPEWRIGHT_FILES_ROOTS: `${data}:${archive}`, PIPEWRIGHT_DATA_DIR: undefined });
    }
  });

  test('a config a template broke is refused with the field named', async () => {
    await assert.rejects(run({ operation: 'read', path: 42 }), /files: config\.path/);
    await assert.rejects(
      run({ operation: 'copy', from: 'exports' }),
      /config\.to is required for copy/,
    );
  });
});
