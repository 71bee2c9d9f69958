/**
 * How the run page merges what arrives (stream snapshots and patches, the
 * backstop's re-reads): newer wins by `seq`, and unchanged tasks keep their
 * objects so memoized nodes do not re-render.
 *
 *   node --import tsx --test app/_lib/run-summary.test.ts
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyPatch, mergeSummary, type RunSummary, type TaskSummary } from './run-summary';

function task(nodeId: string, state: TaskSummary['state'], attempt = 0): TaskSummary {
  return {
    id: `id-${nodeId}`,
    nodeId,
    nodeType: 'code',
    state,
    stateReason: null,
    attempt,
    startedAt: attempt ? new Date(1000) : null,
    endedAt: null,
    outputBytes: null,
    cachedFromTaskRunId: null,
    branch: null,
    readyAt: null,
    queuedAt: null,
    errorMessage: null,
    attempts: [],
    items: null,
  };
}

function summary(seq: number, tasks: TaskSummary[], state: RunSummary['state'] = 'running') {
  return {
    id: 'run',
    flowVersionId: 'v1',
    state,
    seq,
    digest: `d${seq}`,
    document: { version: 1, name: 'x', nodes: [], edges: [] },
    tasks,
  } as unknown as RunSummary;
}

describe('mergeSummary', () => {
  test('an older summary (smaller seq) never replaces a newer one', () => {
    const newer = summary(5, [task('a', 'completed')], 'completed');
    const older = summary(3, [task('a', 'running', 1)]);
    assert.equal(mergeSummary(newer, older), newer);
  });

  test('a newer summary keeps the objects of unchanged tasks and the document', () => {
    const current = summary(2, [task('a', 'running', 1), task('b', 'pending')]);
    const incoming = summary(3, [task('a', 'completed', 1), task('b', 'pending')]);
    const merged = mergeSummary(current, incoming);
    assert.equal(merged.seq, 3);
    assert.equal(merged.tasks[0], incoming.tasks[0], 'a changed: the new object');
    assert.equal(merged.tasks[1], current.tasks[1], 'b did not: the old object');
    assert.equal(merged.document, current.document);
  });

  test('nothing changed in the tasks: the same task array', () => {
    const current = summary(2, [task('a', 'running', 1)]);
    const merged = mergeSummary(current, summary(2, [task('a', 'running', 1)]));
    assert.equal(merged.tasks, current.tasks);
  });
});

describe('applyPatch', () => {
  test('replaces only the changed tasks and takes the run fields', () => {
    const current = summary(2, [task('a', 'running', 1), task('b', 'pending')]);
    const {
      tasks: _tasks,
      document: _document,
      ...head
    } = summary(4, [], 'completed') as RunSummary;
    const patched = applyPatch(current, { head, tasks: [task('a', 'completed', 1)] })!;
    assert.equal(patched.state, 'completed');
    assert.equal(patched.seq, 4);
    assert.equal(patched.tasks[0]!.state, 'completed');
    assert.equal(patched.tasks[1], current.tasks[1]);
    assert.equal(patched.document, current.document);
  });

  test('a patch older than what is shown is ignored; without a summary there is nothing to patch', () => {
    const current = summary(6, [task('a', 'completed')], 'completed');
    const { tasks: _t, document: _d, ...head } = summary(5, []) as RunSummary;
    assert.equal(applyPatch(current, { head, tasks: [task('a', 'running', 1)] }), current);
    assert.equal(applyPatch(undefined, { head, tasks: [] }), undefined);
  });
});
