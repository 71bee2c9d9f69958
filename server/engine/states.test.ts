import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertFlowTransition,
  assertTaskTransition,
  canTransitionFlow,
  canTransitionTask,
  flowRunStates,
  IllegalTransitionError,
  isSuccessfulTaskState,
  isTerminalFlowState,
  isTerminalTaskState,
  taskRunStates,
} from './states';

// Written out by hand from the design, so a change to the tables shows up here.
const legalTaskMoves = new Set([
  'pending→running',
  'pending→cached',
  'pending→skipped',
  'pending→cancelled',
  'pending→failed',
  'running→completed',
  'running→failed',
  'running→timedout',
  'running→retrying',
  'running→cancelled',
  'retrying→running',
  'retrying→cancelled',
  'retrying→failed',
]);

const legalFlowMoves = new Set([
  'scheduled→pending',
  'scheduled→cancelled',
  'scheduled→failed',
  'pending→running',
  'pending→cancelling',
  'pending→cancelled',
  'pending→failed',
  'running→completed',
  'running→failed',
  'running→cancelling',
  'running→cancelled',
  'running→crashed',
  'cancelling→cancelled',
  'cancelling→failed',
  'cancelling→completed',
]);

describe('task run states', () => {
  test('terminal and successful states', () => {
    assert.deepEqual(taskRunStates.filter(isTerminalTaskState), [
      'completed',
      'cached',
      'failed',
      'skipped',
      'cancelled',
      'timedout',
    ]);
    assert.deepEqual(taskRunStates.filter(isSuccessfulTaskState), ['completed', 'cached']);
  });

  test('exactly the designed transitions are legal', () => {
    for (const from of taskRunStates) {
      for (const to of taskRunStates) {
        assert.equal(
          canTransitionTask(from, to),
          legalTaskMoves.has(`${from}→${to}`),
          `task ${from} → ${to}`,
        );
      }
    }
  });

  test('no terminal state has a way out, so a retry can only be a new attempt', () => {
    for (const from of taskRunStates.filter(isTerminalTaskState)) {
      for (const to of taskRunStates) assert.equal(canTransitionTask(from, to), false);
    }
    assert.ok(canTransitionTask('running', 'retrying'));
    assert.ok(canTransitionTask('retrying', 'running'));
  });

  test('an illegal move throws a message naming both states', () => {
    assert.doesNotThrow(() => assertTaskTransition('pending', 'running'));
    assert.throws(
      () => assertTaskTransition('completed', 'running'),
      (err: unknown) =>
        err instanceof IllegalTransitionError &&
        err.message === 'task run cannot go from completed to running' &&
        err.kind === 'task' &&
        err.from === 'completed' &&
        err.to === 'running',
    );
    assert.throws(() => assertTaskTransition('pending', 'completed'), IllegalTransitionError);
  });
});

describe('flow run states', () => {
  test('terminal states', () => {
    assert.deepEqual(flowRunStates.filter(isTerminalFlowState), [
      'completed',
      'failed',
      'cancelled',
      'crashed',
    ]);
  });

  test('exactly the designed transitions are legal', () => {
    for (const from of flowRunStates) {
      for (const to of flowRunStates) {
        assert.equal(
          canTransitionFlow(from, to),
          legalFlowMoves.has(`${from}→${to}`),
          `flow ${from} → ${to}`,
        );
      }
    }
  });

  test('a crashed run stays crashed (it is never rewritten as completed)', () => {
    assert.equal(canTransitionFlow('crashed', 'completed'), false);
    assert.throws(
      () => assertFlowTransition('crashed', 'completed'),
      /^IllegalTransitionError: flow run cannot go from crashed to completed$/,
    );
  });
});
