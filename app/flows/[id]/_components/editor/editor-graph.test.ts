/**
 * The editor's document round trip and clipboard fragments, without a
 * browser: what the editor saves is the v1 document it opened, untouched
 * fields and all.
 *
 *   node --import tsx --test 'app/flows/[id]/_components/editor/editor-graph.test.ts'
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlowDocument } from '@/server/engine/document';
import {
  documentToEditorGraph,
  editorGraphToDocument,
  fragmentOf,
  parseFragment,
  placeFragment,
  uniqueNodeId,
  upstreamNodeIds,
} from './editor-graph';

const document: FlowDocument = {
  version: 1,
  name: 'Round trip',
  description: 'Every optional field, some nodes without a position',
  params: { limit: { type: 'number', default: 3, required: true, description: 'How many' } },
  settings: { maxConcurrency: 2, timeoutSeconds: 600, pool: 'gpu' },
  nodes: [
    {
      id: 'fetch',
      type: 'http',
      name: 'Fetch',
      position: { x: 10.4, y: -20.6 },
      config: { url: 'https://example.com', headers: { accept: 'application/json' } },
      retry: { retries: 2, delaySeconds: 1, backoff: 'exponential', jitter: 0.1 },
      cache: { enabled: true, ttlSeconds: 60, version: 2 },
      timeoutSeconds: 30,
      concurrencyTag: 'api',
      pool: 'default',
    },
    { id: 'parse', type: 'code', config: { source: 'return inputs.fetch;' } },
    { id: 'plugin', type: 'made-up-type' },
  ],
  edges: [
    { id: 'e1', source: 'fetch', target: 'parse' },
    { source: 'parse', target: 'plugin' },
  ],
  notes: [{ id: 'n1', text: 'Remember the API key', position: { x: 0, y: 200 }, width: 300 }],
};

describe('editor graph', () => {
  test('an untouched document comes back as it was, positions rounded', () => {
    const back = editorGraphToDocument(documentToEditorGraph(document));
    assert.deepEqual(back, {
      ...document,
      nodes: document.nodes.map((n) =>
        n.id === 'fetch' ? { ...n, position: { x: 10, y: -21 } } : n,
      ),
    });
  });

  test('no notes key stays no notes key; an empty list stays an empty list', () => {
    const { notes: _notes, ...withoutNotes } = document;
    assert.equal('notes' in editorGraphToDocument(documentToEditorGraph(withoutNotes)), false);
    assert.deepEqual(
      editorGraphToDocument(documentToEditorGraph({ ...document, notes: [] })).notes,
      [],
    );
  });

  test('a moved node that had no position gets one', () => {
    const graph = documentToEditorGraph(document);
    const moved = {
      ...graph,
      unplaced: new Set([...graph.unplaced].filter((id) => id !== 'parse')),
    };
    const parse = editorGraphToDocument(moved).nodes.find((n) => n.id === 'parse');
    assert.ok(parse?.position && Number.isInteger(parse.position.x));
  });

  test('a fragment pastes with fresh ids, its edges and template references following', () => {
    const graph = documentToEditorGraph({
      ...document,
      nodes: document.nodes.map((n) =>
        n.id === 'parse'
          ? { ...n, config: { source: 'x', note: '{{ nodes.fetch.output.body }}' } }
          : n,
      ),
    });
    const fragment = fragmentOf(graph, new Set(['fetch', 'parse']));
    assert.deepEqual(
      fragment.nodes.map((n) => n.id),
      ['fetch', 'parse'],
    );
    assert.deepEqual(fragment.edges, [{ id: 'e1', source: 'fetch', target: 'parse' }]);
    const text = JSON.stringify(fragment);
    const parsed = parseFragment(text);
    assert.ok(parsed);
    const placed = placeFragment(parsed, new Set(['fetch', 'parse', 'plugin']), { x: 500, y: 500 });
    assert.deepEqual(
      placed.nodes.map((n) => n.id),
      ['fetch-2', 'parse-2'],
    );
    assert.deepEqual(
      placed.edges.map((e) => [e.source, e.target]),
      [['fetch-2', 'parse-2']],
    );
    const parse = placed.nodes[1];
    assert.equal(
      parse?.type === 'task' ? parse.data.node.config?.note : undefined,
      '{{ nodes.fetch-2.output.body }}',
    );
    // The fragment's top-left corner lands where it is pasted.
    assert.equal(Math.min(...placed.nodes.map((n) => n.position.x)), 500);
    assert.equal(Math.min(...placed.nodes.map((n) => n.position.y)), 500);
  });

  test('clipboard text that is not a v1 fragment is ignored', () => {
    assert.equal(parseFragment('hello'), null);
    assert.equal(
      parseFragment('{"pipewright":"fragment","version":2,"nodes":[],"edges":[]}'),
      null,
    );
    assert.equal(parseFragment('{"version":1,"nodes":[],"edges":[]}'), null);
  });

  test('ids: free ones are kept, taken ones numbered; upstream is transitive', () => {
    assert.equal(uniqueNodeId('code', new Set()), 'code');
    assert.equal(uniqueNodeId('code', new Set(['code', 'code-2'])), 'code-3');
    assert.equal(uniqueNodeId('code-2', new Set(['code-2'])), 'code-3');
    assert.equal(uniqueNodeId('!!', new Set()), 'task');
    assert.deepEqual(
      upstreamNodeIds(
        [
          { source: 'a', target: 'b' },
          { source: 'b', target: 'c' },
          { source: 'x', target: 'c' },
        ],
        'c',
      ),
      ['b', 'x', 'a'],
    );
  });
});
