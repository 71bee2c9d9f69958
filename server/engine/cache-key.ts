import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so equal values give equal
 * text whatever order their keys were built in. Follows JSON.stringify
 * otherwise (undefined, functions and symbols are dropped from objects and
 * become null in arrays, toJSON is honoured, non-finite numbers are null;
 * a lone undefined gives "null"), except that it refuses values JSON would
 * silently flatten or cannot represent — a Map or Set (both would print as
 * {}), a bigint, a cycle — because two different values with one cache key
 * would serve the wrong output.
 */
export function stableStringify(value: unknown): string {
  return stringifyValue(value, new Set()) ?? 'null';
}

function stringifyValue(value: unknown, ancestors: Set<object>): string | undefined {
  if (value !== null && typeof value === 'object' && 'toJSON' in value) {
    const toJSON = (value as { toJSON: unknown }).toJSON;
    if (typeof toJSON === 'function') value = toJSON.call(value);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw new TypeError('cannot hash a bigint; convert it to a string or number first');
  }
  if (value === null) return 'null';
  const object = value as object;
  if (object instanceof Map || object instanceof Set) {
    throw new TypeError(`cannot hash a ${object.constructor.name}; convert it to an array first`);
  }
  if (ancestors.has(object)) throw new TypeError('cannot hash a value that contains itself');
  ancestors.add(object);
  let text: string;
  if (Array.isArray(object)) {
    text = `[${object.map((item) => stringifyValue(item, ancestors) ?? 'null').join(',')}]`;
  } else {
    const record = object as Record<string, unknown>;
    const fields: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const field = stringifyValue(record[key], ancestors);
      if (field !== undefined) fields.push(`${JSON.stringify(key)}:${field}`);
    }
    text = `{${fields.join(',')}}`;
  }
  ancestors.delete(object);
  return text;
}

/**
 * The key a task's output is cached under: sha256 (hex) of its type, its
 * config, its resolved inputs and the node's cache version. The
 * prefix names the key format, so changing the format later misses old
 * entries instead of misreading them.
 */
export function cacheKey(input: {
  type: string;
  config: unknown;
  inputs: unknown;
  version: string;
}): string {
  const text = stableStringify({
    type: input.type,
    config: input.config,
    inputs: input.inputs,
    version: input.version,
  });
  return createHash('sha256').update('pipewright-cache-key-v1\n').update(text).digest('hex');
}
