import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { asJsonb } from '@/server/execution/jsonb';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

/**
 * A code task started early (startEarly in attempt.ts) gets its upstream's
 * output from memory, not from the database: it must be the value the
 * claim would have read back from jsonb, key order included, since code can
 * see it (Object.keys, JSON.stringify).
 */
let tdb: TestDatabase;
before(async () => {
  tdb = await createTestDatabase();
});
after(async () => {
  await tdb?.drop();
});

test('asJsonb gives what jsonb gives back, keys in the same order', async () => {
  const client = await tdb.db.$client.connect();
  try {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 4 }), async (value) => {
        const json = JSON.stringify(value);
        // jsonb refuses the NUL character; such an output fails its completion.
        fc.pre(!json.includes('\\u0000'));
        const { rows } = await client.query('select $1::jsonb as v', [json]);
        assert.equal(JSON.stringify(asJsonb(JSON.parse(json))), JSON.stringify(rows[0].v));
      }),
      { numRuns: 1000 },
    );
    // Keys jsonb orders by length and then by bytes, unlike JavaScript's
    // insertion order: multi-byte characters, integer-like keys, __proto__.
    const json = '{"é": 1, "z": 2, "aa": 3, "10": 4, "2": 5, "__proto__": 6, "Z€": 7, "ZZ": 8}';
    const { rows } = await client.query('select $1::jsonb as v', [json]);
    assert.equal(JSON.stringify(asJsonb(JSON.parse(json))), JSON.stringify(rows[0].v));
  } finally {
    client.release();
  }
});
