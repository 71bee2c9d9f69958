/**
 * Generators of hostile HTTP: path segments (random, NUL, unicode, very
 * long, traversal, broken percent-encoding), query strings, header lies and
 * bodies (non-JSON, truncated JSON, deep nesting, huge numbers, NUL,
 * oversized). Shared by tests/app/http-fuzz.test.ts.
 */
import fc from 'fast-check';
import { hostileValue } from './arbitraries';

/** JSON.stringify that survives what the hostile values hold (BigInt, cycles are absent). */
export function looseJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)) ?? 'undefined';
  } catch {
    return String(value);
  }
}

/** A path segment as it goes on the wire (already encoded, or deliberately not). */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  fc.string({ minLength: 1 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', minLength: 1 }).map(encodeURIComponent),
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '..%2f..%2f..%2fetc%2fpasswd',
    '%2F',
    '%00',
    'a%00b',
    '%ZZ',
    '%',
    '%E0%A4%A',
    '%C0%AE%C0%AE',
    '%ED%A0%80',
    '%F0%9F%9A%80',
    ';',
    '~',
    'null',
    'undefined',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '00000000-0000-0000-0000-00000000000g',
    '%7B%7B%20params.x%20%7D%7D',
    "'%3B%20drop%20table%20flows%3B%20--",
  ),
  fc.integer({ min: 100, max: 6_000 }).map((n) => 'a'.repeat(n)),
  fc.uuid().map((u) => u),
);

/** A query string (with its `?`), or nothing. */
export function hostileQuery(names: string[]): fc.Arbitrary<string> {
  const value = fc.oneof(
    fc.string().map(encodeURIComponent),
    fc.constantFrom('', '%00', 'a%00b', '%ZZ', '%ED%A0%80', 'x'.repeat(3_000), '%25', '*', '\\'),
    hostileSegment,
  );
  const pair = fc
    .tuple(fc.oneof(fc.constantFrom(...names), fc.string().map(encodeURIComponent)), value)
    .map(([k, v]) => `${k}=${v}`);
  return fc.oneof(
    fc.constant(''),
    fc.array(pair, { minLength: 1, maxLength: 4 }).map((pairs) => `?${pairs.join('&')}`),
    fc.constantFrom('?', '?&&', '?=', '?a', '?a=1&a=2', '?%ZZ=%ZZ'),
  );
}

const deepJson = fc
  .tuple(fc.integer({ min: 1_000, max: 20_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays
      ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/**
 * A request body: not JSON, truncated JSON of `example`, deep nesting, huge
 * numbers, wrong types, NUL and lone surrogates (escaped and raw), big ones.
 */
export function hostileBody(example: Record<string, unknown>): fc.Arbitrary<string> {
  const exampleText = JSON.stringify(example);
  const keys = Object.keys(example);
  return fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom(
      '',
      ' ',
      'null',
      'true',
      '0',
      '"text"',
      '[]',
      '{}',
      '{',
      '{"a":}',
      '{"a":1,}',
      "{'a': 1}",
      '{"a": NaN}',
      '{"a": Infinity}',
      '{"__proto__": {"polluted": true}}',
      '{"constructor": {"prototype": {"x": 1}}}',
      '\u0000',
      '{"a":"\\u0000"}',
      '{"a":"\\ud800"}',
      '{"\\u0000":1}',
      '{"a":1e999}',
      '{"a":-1e999}',
      `{"a":${'9'.repeat(400)}}`,
      '\ufeff{}',
    ),
    fc
      .integer({ min: 1, max: Math.max(1, exampleText.length - 1) })
      .map((n) => exampleText.slice(0, n)),
    deepJson,
    hostileValue.map(looseJson),
    fc
      .tuple(
        keys.length > 0 ? fc.constantFrom(...keys) : fc.string(),
        fc.oneof(hostileValue, fc.constantFrom('a\u0000b', '\ud800', 1e308, -0, 2 ** 64)),
      )
      .map(([k, v]) => looseJson({ ...example, [k]: v })),
    fc.tuple(fc.string(), hostileValue).map(([k, v]) => looseJson({ ...example, [k]: v })),
    fc.integer({ min: 100_000, max: 1_200_000 }).map((n) => `{"a":"${'x'.repeat(n)}"}`),
  );
}

/** A content-type header, true or lying. */
export const contentType: fc.Arbitrary<Record<string, string>> = fc.oneof(
  fc.constant({ 'content-type': 'application/json' }),
  fc.constant({}),
  fc
    .constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      'application/octet-stream',
      'image/svg+xml',
      'application/json; charset=utf-16',
      '*/*',
      ';;;',
    )
    .map((t) => ({ 'content-type': t })),
);

export const anyMethod = fc.constantFrom(
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'HEAD',
  'TRACE',
  'PROPFIND',
);
