/**
 * PostgreSQL cannot store U+0000 in text or JSON, nor an unpaired UTF-16
 * surrogate in JSON. A string with either would get past every schema and
 * then fail inside the database as an internal error; this finds it first
 * and names where it is.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding U+0000 is the point
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Deeper than any real input; deeper structures are left to the schemas. */
const MAX_DEPTH = 64;

function problemIn(s: string): string | undefined {
  if (NUL.test(s)) return 'contains a NUL character (\\u0000), which cannot be stored; remove it';
  if (LONE_SURROGATE.test(s))
    return 'contains an unpaired UTF-16 surrogate, which is not valid Unicode; remove it';
  return undefined;
}

/**
 * The first unstorable string in `value` (a key or a value), as
 * `"path": problem`; undefined when everything can be stored.
 */
export function findUnstorableText(value: unknown, path: string[] = []): string | undefined {
  const where = () => (path.length > 0 ? `"${path.join('.')}"` : 'the input');
  if (typeof value === 'string') {
    const problem = problemIn(value);
    return problem ? `${where()} ${problem}` : undefined;
  }
  if (typeof value !== 'object' || value === null || path.length >= MAX_DEPTH) return undefined;
  if (value instanceof Date) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const keyProblem = problemIn(key);
    if (keyProblem) return `a field name in ${where()} ${keyProblem}`;
    const found = findUnstorableText(child, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
