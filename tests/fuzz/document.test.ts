/**
 * Generated malformed flow documents — broken node ids, dangling edges,
 * cycles, unknown types, invalid configs, wrong field types, hostile values
 * anywhere — through the validator, `flows.validate` and `flows.import`.
 * The validator throws nothing but FlowDocumentError; the API answers
 * issues or BAD_REQUEST, never a 500; every issue names its node, edge or
 * field. Set FUZZ_SEED to replay a failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import {
  type DocumentIssue,
  FlowDocumentError,
  validateFlowDocument,
} from '@/server/engine/document';
import { builtinCatalog } from '@/server/tasks/catalog';
import { startTestEngine, type TestEngine } from '../helpers/engine';
import { FUZZ_SEED, hostileValue } from './arbitraries';

const RUNS_VALIDATOR = 600;
const RUNS_API = 150;

type Doc = {
  version: unknown;
  name: unknown;
  nodes: Record<string, unknown>[];
  edges: Record<string, unknown>[];
  [key: string]: unknown;
};

const validDocument = (): Doc => ({
  version: 1,
  name: 'fuzzed document',
  nodes: [
    { id: 'list', type: 'code', config: { source: 'return [1, 2, 3];' } },
    { id: 'post', type: 'http', config: { method: 'POST', url: 'http://127.0.0.1:9/x' } },
    { id: 'last', type: 'code', config: { source: 'return 1;' } },
  ],
  edges: [
    { source: 'list', target: 'post' },
    { source: 'post', target: 'last' },
  ],
});

const nodeIndex = fc.integer({ min: 0, max: 2 });
const edgeIndex = fc.integer({ min: 0, max: 1 });
const badId = fc.oneof(
  fc.constantFrom('', ' ', '-starts-with-dash', 'has space', 'x'.repeat(65), 'é', 'list', 'a.b'),
  hostileValue,
);

/** One way of breaking the valid document; several are applied at once. */
const breakage: fc.Arbitrary<(doc: Doc) => void> = fc.oneof(
  fc.tuple(nodeIndex, badId).map(([i, id]) => (doc: Doc) => {
    (doc.nodes[i] as Record<string, unknown>).id = id;
  }),
  fc
    .tuple(edgeIndex, fc.constantFrom('source', 'target'), badId)
    .map(([i, end, id]) => (doc: Doc) => {
      (doc.edges[i] as Record<string, unknown>)[end] = id;
    }),
  fc.constant((doc: Doc) => {
    doc.edges.push({ source: 'last', target: 'list' }); // a cycle
  }),
  fc.constant((doc: Doc) => {
    doc.edges.push({ source: 'post', target: 'post' }); // a self-loop
  }),
  fc.constant((doc: Doc) => {
    doc.edges.push({ source: 'list', target: 'post' }); // a duplicate edge
  }),
  fc.tuple(nodeIndex, fc.oneof(fc.string(), hostileValue)).map(([i, type]) => (doc: Doc) => {
    (doc.nodes[i] as Record<string, unknown>).type = type;
  }),
  fc.tuple(nodeIndex, hostileValue).map(([i, config]) => (doc: Doc) => {
    (doc.nodes[i] as Record<string, unknown>).config = config;
  }),
  fc
    .tuple(
      nodeIndex,
      fc.constantFrom('source', 'method', 'url', 'timeoutMs', 'headers', 'nope'),
      hostileValue,
    )
    .map(([i, field, value]) => (doc: Doc) => {
      const node = doc.nodes[i] as { config: Record<string, unknown> };
      node.config = { ...node.config, [field]: value };
    }),
  fc
    .tuple(
      nodeIndex,
      fc.constantFrom('label', 'position', 'retry', 'cache', 'pool', 'timeoutMs', 'unknownField'),
      hostileValue,
    )
    .map(([i, field, value]) => (doc: Doc) => {
      (doc.nodes[i] as Record<string, unknown>)[field] = value;
    }),
  fc
    .tuple(
      fc.constantFrom('version', 'name', 'nodes', 'edges', 'params', 'description', 'extra'),
      hostileValue,
    )
    .map(([field, value]) => (doc: Doc) => {
      (doc as Record<string, unknown>)[field] = value;
    }),
  fc.tuple(nodeIndex, hostileValue).map(([i, value]) => (doc: Doc) => {
    doc.nodes[i] = value as never;
  }),
  fc.tuple(edgeIndex, hostileValue).map(([i, value]) => (doc: Doc) => {
    doc.edges[i] = value as never;
  }),
);

const brokenDocument: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.array(breakage, { minLength: 1, maxLength: 4 }).map((fs) => {
      const doc = validDocument();
      for (const f of fs) {
        try {
          f(doc);
        } catch {
          // An earlier breakage replaced the part this one edits: fine, it stays broken.
        }
      }
      return doc;
    }),
  },
  { weight: 1, arbitrary: hostileValue },
);

/** Every issue points at a node, an edge or a field (or at the document, when it is not one). */
function unnamedIssues(raw: unknown, issues: DocumentIssue[]): string[] {
  const isDocument = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
  return issues
    .filter((i) => {
      if (!i.message.trim()) return true;
      const nodesIsList = isDocument && Array.isArray((raw as { nodes?: unknown }).nodes);
      if (
        nodesIsList &&
        i.path.startsWith('nodes.') &&
        i.path.split('.').length > 2 &&
        i.nodeId === undefined
      )
        return true;
      if (/^edges\.\d+/.test(i.path) && i.edgeIndex === undefined) return true;
      return isDocument && i.path === '' && !/NUL|surrogate|"[^"]*"/.test(i.message);
    })
    .map((i) => `${i.path || '(no path)'}: ${i.message}`);
}

function show(v: unknown): string {
  try {
    const s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
    return s.length > 400 ? `${s.slice(0, 400)}…` : s;
  } catch {
    return String(v);
  }
}

function withSeedOnFailure(name: string, seed: number) {
  return (err: unknown) => {
    console.log(`${name}: replay with FUZZ_SEED=${FUZZ_SEED} (seed ${seed})`);
    throw err;
  };
}

describe('fuzzing the flow document validator', () => {
  test('only FlowDocumentError, and every issue names its node, edge or field', () => {
    const seed = FUZZ_SEED;
    try {
      fc.assert(
        fc.property(brokenDocument, (raw) => {
          try {
            validateFlowDocument(raw, builtinCatalog);
          } catch (err) {
            assert.ok(err instanceof FlowDocumentError, `${show(raw)} threw ${String(err)}`);
            assert.ok(err.issues.length > 0, `${show(raw)}: no issues`);
            assert.deepEqual(unnamedIssues(raw, err.issues), [], show(raw));
          }
        }),
        { seed, numRuns: RUNS_VALIDATOR },
      );
    } catch (err) {
      withSeedOnFailure('validator', seed)(err);
    }
  });
});

describe('fuzzing flows.validate and flows.import', () => {
  let engine: TestEngine;
  const consoleError = console.error;
  before(async () => {
    engine = await startTestEngine({ worker: false });
    console.error = () => {};
  });
  after(async () => {
    console.error = consoleError;
    await engine.close();
  });

  test('flows.validate answers issues naming their node, edge or field', async () => {
    const seed = FUZZ_SEED + 1;
    await fc
      .assert(
        fc.asyncProperty(brokenDocument, async (document) => {
          try {
            const { issues } = await engine.api.flows.validate({ document });
            assert.deepEqual(unnamedIssues(document, issues), [], show(document));
          } catch (err) {
            assert.ok(err instanceof TRPCError, `${show(document)} threw ${String(err)}`);
            assert.equal(err.code, 'BAD_REQUEST', `${show(document)}: ${err.message}`);
            assert.match(err.message, /"document[^"]*"/, show(document));
          }
        }),
        { seed, numRuns: RUNS_API },
      )
      .catch(withSeedOnFailure('flows.validate', seed));
  });

  test('flows.import refuses with BAD_REQUEST naming the culprit, never a 500', async () => {
    const seed = FUZZ_SEED + 2;
    await fc
      .assert(
        fc.asyncProperty(brokenDocument, async (document) => {
          try {
            await engine.api.flows.import({ document });
          } catch (err) {
            assert.ok(err instanceof TRPCError, `${show(document)} threw ${String(err)}`);
            assert.equal(err.code, 'BAD_REQUEST', `${show(document)}: ${err.message}`);
            const cause = err.cause as { issues?: DocumentIssue[] } | undefined;
            const issues = cause?.issues ?? [];
            if (issues.length > 0 && !('code' in (issues[0] ?? {})))
              assert.deepEqual(unnamedIssues(document, issues), [], show(document));
            else assert.ok(err.message.trim().length > 0);
          }
        }),
        { seed, numRuns: RUNS_API },
      )
      .catch(withSeedOnFailure('flows.import', seed));
  });
});
