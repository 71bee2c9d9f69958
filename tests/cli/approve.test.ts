import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../helpers/app';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';

let engine: TestEngine;
before(async () => {
  engine = await startTestEngine();
});
after(() => engine.close());

function pipewright(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/pipewright.mjs'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: engine.tdb.url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('pipewright approve resumes a waiting approval with typed form values', async () => {
  const id = await engine.run({
    version: 1,
    name: 'CLI approval',
    nodes: [
      {
        id: 'gate',
        type: 'approval',
        config: {
          message: 'Release?',
          fields: { ticket: { type: 'string', required: true }, risk: { type: 'number' } },
        },
      },
    ],
    edges: [],
  });
  const deadline = Date.now() + 10_000;
  while (
    !taskOf(await engine.api.runs.get({ id }), 'gate').stateReason?.startsWith(
      'waiting for approval',
    )
  ) {
    if (Date.now() > deadline) throw new Error('the approval never started waiting');
    await new Promise((r) => setTimeout(r, 50));
  }

  const missing = await pipewright(['approve', id, 'gate']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /field "ticket" is required/);
  const unknownNode = await pipewright(['approve', id, 'nope', '--value', 'ticket=X']);
  assert.equal(unknownNode.code, 1);
  assert.match(unknownNode.stderr, /has no node "nope"/);

  const ok = await pipewright([
    'approve',
    id,
    'gate',
    '--value',
    'ticket=OPS-7',
    '--value',
    'risk=2',
    '--comment',
    'ok',
    '--by',
    'ana',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Approved "gate"/);
  const run = await engine.waitForRun(id);
  assert.equal(run.state, 'completed');
  assert.deepEqual(taskOf(run, 'gate').output, {
    approved: true,
    comment: 'ok',
    values: { ticket: 'OPS-7', risk: 2 },
    decidedBy: 'ana',
    decidedAt: (taskOf(run, 'gate').output as { decidedAt: string }).decidedAt,
  });
});
