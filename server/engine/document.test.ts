import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtinCatalog } from '@/server/tasks/catalog';
import { FlowDocumentError, findCycle, validateFlowDocument, wouldCreateCycle } from './document';

const base = {
  version: 1,
  name: 'Daily backup',
  nodes: [
    { id: 'list', type: 'code', config: { source: 'return [1, 2, 3];' } },
    { id: 'post', type: 'http', config: { method: 'POST', url: '{{ params.reportUrl }}' } },
  ],
  edges: [{ source: 'list', target: 'post' }],
};

function issuesOf(doc: unknown): string {
  try {
    validateFlowDocument(doc, builtinCatalog);
  } catch (err) {
    assert.ok(err instanceof FlowDocumentError, `expected FlowDocumentError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('the document was accepted');
}

describe('flow document validation', () => {
  test('accepts a valid document unchanged', () => {
    assert.deepEqual(validateFlowDocument(base, builtinCatalog), base);
  });

  test('a cycle names the nodes on it', () => {
    const msg = issuesOf({
      ...base,
      nodes: [...base.nodes, { id: 'again', type: 'code', config: { source: 'return 1' } }],
      edges: [
        { source: 'list', target: 'post' },
        { source: 'post', target: 'again' },
        { source: 'again', target: 'list' },
      ],
    });
    assert.match(msg, /cycle: list → post → again → list/);
  });

  test('a dangling edge names the edge end that is missing', () => {
    const msg = issuesOf({ ...base, edges: [{ source: 'list', target: 'ghost' }] });
    assert.match(msg, /edge #1.*target "ghost" is not a node/);
  });

  test('a duplicate node id names the id', () => {
    const msg = issuesOf({
      ...base,
      nodes: [...base.nodes, { id: 'list', type: 'code', config: { source: 'return 2' } }],
    });
    assert.match(msg, /node "list".*duplicate node id/);
  });

  test('an unknown type names the node and the type', () => {
    const msg = issuesOf({
      ...base,
      nodes: [base.nodes[0], { id: 'post', type: 'teleport', config: {} }],
    });
    assert.match(msg, /node "post" type: unknown task type "teleport"/);
  });

  test('an invalid config names the node and the field', () => {
    const msg = issuesOf({
      ...base,
      nodes: [base.nodes[0], { id: 'post', type: 'http', config: { url: 'ftp://x' } }],
    });
    assert.match(msg, /node "post" config\.url: must start with http/);
  });

  test('an unknown field is reported by name instead of being dropped', () => {
    const msg = issuesOf({ ...base, nodes: [{ ...base.nodes[0], retires: 3 }, base.nodes[1]] });
    assert.match(msg, /node "list".*unknown field "retires"/);
  });

  test('a malformed node setting names the node and the setting', () => {
    const msg = issuesOf({
      ...base,
      nodes: [{ ...base.nodes[0], retry: { retries: -1 } }, base.nodes[1]],
    });
    assert.match(msg, /node "list" retry\.retries:/);
  });

  test('a branch edge without a handle is refused, naming the branch node', () => {
    const msg = issuesOf({
      ...base,
      nodes: [...base.nodes, { id: 'check', type: 'branch', config: { condition: 'true' } }],
      edges: [{ source: 'check', target: 'list' }],
    });
    assert.match(msg, /branch node "check" needs sourceHandle "true" or "false"/);
  });

  test('an unsupported version says which versions are read', () => {
    assert.match(issuesOf({ ...base, version: 2 }), /unsupported version 2/);
  });

  test('a missing name is reported as the name field', () => {
    assert.match(issuesOf({ ...base, name: '' }), /name: is required/);
  });
});

describe('cycle helpers', () => {
  test('findCycle returns null for a DAG and handles long chains', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `n${i}`);
    const edges = ids.slice(1).map((id, i) => ({ source: ids[i]!, target: id }));
    assert.equal(findCycle(ids, edges), null);
    assert.deepEqual(findCycle(ids, [...edges, { source: 'n4999', target: 'n4998' }]), [
      'n4998',
      'n4999',
      'n4998',
    ]);
  });

  test('wouldCreateCycle explains the loop a new edge would close', () => {
    const edges = [
      { source: 'a', target: 'b' },
      { source: 'b', target: 'c' },
    ];
    assert.deepEqual(wouldCreateCycle(edges, 'c', 'a'), ['c', 'a', 'b', 'c']);
    assert.equal(wouldCreateCycle(edges, 'a', 'c'), null);
  });
});
