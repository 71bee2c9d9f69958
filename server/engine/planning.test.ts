import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  downstreamOf,
  flowOutcome,
  type PlanGraph,
  type PlanTaskState,
  planNext,
  upstreamOf,
} from './planning';
import type { TaskRunState } from './states';

function graph(ids: string[], edges: [string, string, string?][]): PlanGraph {
  return {
    nodes: ids.map((id) => ({ id, type: id.startsWith('check') ? 'branch' : 'code' })),
    edges: edges.map(([source, target, sourceHandle]) =>
      sourceHandle === undefined ? { source, target } : { source, target, sourceHandle },
    ),
  };
}

function states(
  entries: Record<string, TaskRunState | PlanTaskState>,
): ReadonlyMap<string, PlanTaskState> {
  return new Map(
    Object.entries(entries).map(([id, s]) => [id, typeof s === 'string' ? { state: s } : s]),
  );
}

describe('planNext', () => {
  const chain = graph(
    ['a', 'b', 'c'],
    [
      ['a', 'b'],
      ['b', 'c'],
    ],
  );

  test('at the start only the roots are ready', () => {
    const diamond = graph(
      ['a', 'b', 'c', 'd', 'solo'],
      [
        ['a', 'b'],
        ['a', 'c'],
        ['b', 'd'],
        ['c', 'd'],
      ],
    );
    assert.deepEqual(planNext(diamond, states({})), { ready: ['a', 'solo'], skip: [] });
  });

  test('a task waits for every upstream, then becomes ready', () => {
    const join = graph(
      ['a', 'b', 'j'],
      [
        ['a', 'j'],
        ['b', 'j'],
      ],
    );
    assert.deepEqual(planNext(join, states({ a: 'completed', b: 'running', j: 'pending' })), {
      ready: [],
      skip: [],
    });
    assert.deepEqual(planNext(join, states({ a: 'completed', b: 'retrying', j: 'pending' })), {
      ready: [],
      skip: [],
    });
    assert.deepEqual(planNext(join, states({ a: 'completed', b: 'cached', j: 'pending' })), {
      ready: ['j'],
      skip: [],
    });
  });

  test('only pending tasks are planned (running or finished ones are not re-enqueued)', () => {
    assert.deepEqual(planNext(chain, states({ a: 'completed', b: 'running', c: 'pending' })), {
      ready: [],
      skip: [],
    });
    assert.deepEqual(planNext(chain, states({ a: 'completed', b: 'completed', c: 'skipped' })), {
      ready: [],
      skip: [],
    });
  });

  test('each kind of unsuccessful upstream gives its own reason', () => {
    const cases: [TaskRunState, string][] = [
      ['failed', 'upstream "a" failed'],
      ['timedout', 'upstream "a" timed out'],
      ['skipped', 'upstream "a" was skipped'],
      ['cancelled', 'upstream "a" was cancelled'],
    ];
    const pair = graph(['a', 'b'], [['a', 'b']]);
    for (const [state, reason] of cases) {
      assert.deepEqual(planNext(pair, states({ a: state, b: 'pending' })), {
        ready: [],
        skip: [{ nodeId: 'b', reason }],
      });
    }
  });

  test('skips cascade down a chain in one call, each naming its own upstream', () => {
    assert.deepEqual(planNext(chain, states({ a: 'failed' })), {
      ready: [],
      skip: [
        { nodeId: 'b', reason: 'upstream "a" failed' },
        { nodeId: 'c', reason: 'upstream "b" was skipped' },
      ],
    });
  });

  test('a doomed task is skipped at once, without waiting for its other upstreams', () => {
    const join = graph(
      ['a', 'slow', 'j'],
      [
        ['slow', 'j'],
        ['a', 'j'],
      ],
    );
    assert.deepEqual(planNext(join, states({ a: 'failed', slow: 'running' })), {
      ready: [],
      skip: [{ nodeId: 'j', reason: 'upstream "a" failed' }],
    });
  });

  test('a branch runs the side it took and skips the other, down to the join', () => {
    const g = graph(
      ['check', 'yes', 'no', 'after-no', 'join'],
      [
        ['check', 'yes', 'true'],
        ['check', 'no', 'false'],
        ['no', 'after-no'],
        ['yes', 'join'],
        ['after-no', 'join'],
      ],
    );
    assert.deepEqual(planNext(g, states({ check: { state: 'completed', branch: 'true' } })), {
      ready: ['yes'],
      skip: [
        { nodeId: 'no', reason: 'branch "check" took the true side' },
        { nodeId: 'after-no', reason: 'upstream "no" was skipped' },
        { nodeId: 'join', reason: 'upstream "after-no" was skipped' },
      ],
    });
    // A cached branch routes by its cached decision just like a completed one.
    assert.deepEqual(planNext(g, states({ check: { state: 'cached', branch: 'false' } })).skip[0], {
      nodeId: 'yes',
      reason: 'branch "check" took the false side',
    });
  });

  test('a branch that recorded no side satisfies neither handle', () => {
    const g = graph(['check', 'yes'], [['check', 'yes', 'true']]);
    assert.deepEqual(planNext(g, states({ check: 'completed' })), {
      ready: [],
      skip: [{ nodeId: 'yes', reason: 'branch "check" took no side' }],
    });
  });

  test('output follows document order, not graph order', () => {
    // Document lists the leaves before their roots.
    const g = graph(
      ['z-child', 'a-child', 'root', 'other'],
      [
        ['root', 'a-child'],
        ['root', 'z-child'],
        ['other', 'z-child'],
      ],
    );
    assert.deepEqual(planNext(g, states({ root: 'completed', other: 'completed' })).ready, [
      'z-child',
      'a-child',
    ]);
    assert.deepEqual(
      planNext(g, states({ root: 'failed', other: 'completed' })).skip.map((s) => s.nodeId),
      ['z-child', 'a-child'],
    );
  });

  test('a 5,000-node chain cascades a failure in one call, in linear work', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `n${i}`);
    const g = counted(
      graph(
        ids,
        ids.slice(1).map((id, i) => [ids[i]!, id]),
      ),
    );
    const s = countedStates(states({ n0: 'failed' }));
    const result = planNext(g, s);
    assert.equal(result.skip.length, 4999);
    assert.deepEqual(result.skip[4998], {
      nodeId: 'n4999',
      reason: 'upstream "n4998" was skipped',
    });
    assertLinear(g, s);
  });

  test('a 5,000-node fan-out and fan-in plans in linear work', () => {
    const leaves = Array.from({ length: 4998 }, (_, i) => `leaf${i}`);
    const g = counted(
      graph(
        ['root', ...leaves, 'sink'],
        [
          ...leaves.map((l): [string, string] => ['root', l]),
          ...leaves.map((l): [string, string] => [l, 'sink']),
        ],
      ),
    );
    const started = countedStates(states({ root: 'completed' }));
    assert.equal(planNext(g, started).ready.length, 4998);
    assertLinear(g, started);
    const allDone = new Map<string, PlanTaskState>(leaves.map((l) => [l, { state: 'completed' }]));
    allDone.set('root', { state: 'completed' });
    const done = countedStates(allDone);
    assert.deepEqual(planNext(g, done), { ready: ['sink'], skip: [] });
    assertLinear(g, done);
  });
});

/**
 * Reads of a graph's nodes and edges and of the task states, counted: a plan
 * must read each a bounded number of times, so a planner that rescans the
 * graph per node (25M reads at 5,000 nodes) fails here on any machine,
 * where a wall-clock limit failed on a loaded one and proved nothing on a
 * fast one.
 */
interface Counted {
  reads: number;
}
const counters = new WeakMap<object, Counted>();

function countedArray<T>(items: T[], counter: Counted): T[] {
  return new Proxy(items, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) counter.reads++;
      return Reflect.get(target, key, receiver);
    },
  });
}

function counted(g: PlanGraph): PlanGraph {
  const counter = { reads: 0 };
  const result = {
    nodes: countedArray([...g.nodes], counter),
    edges: countedArray([...g.edges], counter),
  };
  counters.set(result, counter);
  return result;
}

function countedStates(s: ReadonlyMap<string, PlanTaskState>): ReadonlyMap<string, PlanTaskState> {
  const counter = { reads: 0 };
  const map = new (class extends Map<string, PlanTaskState> {
    override get(key: string) {
      counter.reads++;
      return super.get(key);
    }
    override has(key: string) {
      counter.reads++;
      return super.has(key);
    }
  })(s);
  counters.set(map, counter);
  return map;
}

/** At most 4 reads per node and edge, graph and states alike; then the counters restart. */
function assertLinear(g: PlanGraph, s: ReadonlyMap<string, PlanTaskState>) {
  const size = g.nodes.length + g.edges.length;
  for (const [what, target] of [
    ['graph', g],
    ['states', s],
  ] as const) {
    const counter = counters.get(target)!;
    assert.ok(
      counter.reads <= 4 * size,
      `${counter.reads} reads of the ${what} for ${g.nodes.length} nodes and ${g.edges.length} edges`,
    );
    counter.reads = 0;
  }
}

describe('flowOutcome', () => {
  const g = graph(['a', 'b', 'c'], [['a', 'b']]);

  test('not done while any task is not terminal', () => {
    assert.deepEqual(flowOutcome(g, states({ a: 'completed', b: 'completed', c: 'retrying' })), {
      done: false,
    });
    // A task with no state yet counts as pending.
    assert.deepEqual(flowOutcome(g, states({ a: 'completed', b: 'completed' })), { done: false });
  });

  test('completed when everything succeeded or was skipped by a branch', () => {
    assert.deepEqual(flowOutcome(g, states({ a: 'completed', b: 'cached', c: 'skipped' })), {
      done: true,
      state: 'completed',
    });
  });

  test('failed names the first failed task in document order', () => {
    assert.deepEqual(flowOutcome(g, states({ a: 'completed', b: 'failed', c: 'failed' })), {
      done: true,
      state: 'failed',
      reason: 'task "b" failed',
    });
    assert.deepEqual(flowOutcome(g, states({ a: 'timedout', b: 'skipped', c: 'cancelled' })), {
      done: true,
      state: 'failed',
      reason: 'task "a" timed out',
    });
  });

  test('cancelled when something was cancelled and nothing failed', () => {
    assert.deepEqual(flowOutcome(g, states({ a: 'completed', b: 'cancelled', c: 'cancelled' })), {
      done: true,
      state: 'cancelled',
      reason: 'task "b" was cancelled',
    });
  });

  test('an empty flow is complete', () => {
    assert.deepEqual(flowOutcome(graph([], []), states({})), { done: true, state: 'completed' });
  });
});

describe('upstreamOf and downstreamOf', () => {
  const g = graph(
    ['d', 'c', 'b', 'a', 'x'],
    [
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'd'],
      ['c', 'd'],
    ],
  );

  test('are transitive, exclude the node itself and follow document order', () => {
    assert.deepEqual(downstreamOf(g, 'a'), ['d', 'c', 'b']);
    assert.deepEqual(upstreamOf(g, 'd'), ['c', 'b', 'a']);
    assert.deepEqual(downstreamOf(g, 'b'), ['d']);
    assert.deepEqual(upstreamOf(g, 'b'), ['a']);
  });

  test('an unconnected or unknown node has none', () => {
    assert.deepEqual(downstreamOf(g, 'x'), []);
    assert.deepEqual(upstreamOf(g, 'x'), []);
    assert.deepEqual(upstreamOf(g, 'ghost'), []);
  });

  test('walk a 5,000-node chain without recursion', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `n${i}`);
    const chain = graph(
      ids,
      ids.slice(1).map((id, i) => [ids[i]!, id]),
    );
    assert.equal(downstreamOf(chain, 'n0').length, 4999);
    assert.equal(upstreamOf(chain, 'n4999').length, 4999);
  });
});
