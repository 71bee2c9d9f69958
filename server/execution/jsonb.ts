/**
 * A JSON value as PostgreSQL's jsonb gives it back: each object's keys
 * shorter first, then in byte order of their UTF-8 (numbers, strings and
 * arrays come back as JSON.parse made them).
 */
export function asJsonb(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asJsonb);
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value).map((key) => ({ key, bytes: Buffer.from(key) }));
  keys.sort((a, b) => a.bytes.length - b.bytes.length || Buffer.compare(a.bytes, b.bytes));
  // fromEntries defines each key as its own property, "__proto__" too.
  return Object.fromEntries(
    keys.map(({ key }) => [key, asJsonb((value as Record<string, unknown>)[key])]),
  );
}
