/**
 * Generators of hostile input shared by the fuzz tests: anything at all,
 * plus the values most likely to slip past a schema (huge strings, control
 * and astral characters, NUL, extreme numbers, deep nesting, prototype keys).
 */
import fc from 'fast-check';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_240_917);

const hugeString = fc.integer({ min: 10_000, max: 200_000 }).map((n) => 'x'.repeat(n));
const nastyString = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🚀',
  '../../etc/passwd',
  "'; drop table flows; --",
  '__proto__',
  'constructor',
  '{{ params.x }}',
  '00000000-0000-0000-0000-000000000000',
  'not-a-uuid',
  '2024-13-45T99:99:99Z',
  '* * * * * * * *',
);
const nastyNumber = fc.constantFrom(
  -1,
  0,
  -0,
  1.5,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER - 2,
  1e308,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  2 ** 31,
);

/** One scalar-ish hostile value. */
export const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  nastyString,
  hugeString,
  fc.integer(),
  fc.double(),
  nastyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: false }),
  fc.bigInt(),
);

/** Nesting far deeper than any real input. */
export const deepNesting: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 50, max: 2_000 }), fc.boolean())
  .map(([depth, asArray]) => {
    let v: unknown = 'bottom';
    for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
    return v;
  });

/** Any hostile value: a scalar, a structure of them, or a deep nest. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileScalar },
  { weight: 3, arbitrary: fc.anything({ maxDepth: 3, withBigInt: true, withDate: true }) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 5 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.oneof(fc.string(), nastyString), hostileScalar, { maxKeys: 4 }),
  },
);

/**
 * An object shaped like `example` with one field replaced by a hostile
 * value (or removed, or an extra one added): the near-miss a real client sends.
 */
export function oneFieldBroken(example: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(example);
  const replace =
    keys.length === 0
      ? fc.constant(example)
      : fc
          .tuple(fc.constantFrom(...keys), hostileValue)
          .map(([key, value]) => ({ ...example, [key]: value }));
  const drop =
    keys.length === 0
      ? fc.constant(example)
      : fc.constantFrom(...keys).map((key) => {
          const copy = { ...example };
          delete copy[key];
          return copy;
        });
  const extra = fc
    .tuple(fc.oneof(fc.string(), nastyString), hostileValue)
    .map(([key, value]) => ({ ...example, [key]: value }));
  return fc.oneof({ weight: 5, arbitrary: replace }, drop, extra);
}
