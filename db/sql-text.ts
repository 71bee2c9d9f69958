import { is, Param, Placeholder, SQL, StringChunk } from 'drizzle-orm';

/**
 * The text and parameters of a statement made only of text, nested `sql`
 * fragments and values, exactly as PgDialect.sqlToQuery makes them; undefined
 * for anything else (columns, tables, arrays spread as lists, inlined
 * params, placeholders...), which the dialect must build. The dialect asks
 * each value a dozen `is(...)` questions, each walking a prototype chain,
 * before it takes the value as a parameter: building the engine's hot
 * statements (text and values only) was a tenth of the worker's CPU on a
 * for-each of no-op items.
 */
export function plainSqlToQuery(query: SQL): { sql: string; params: unknown[] } | undefined {
  const params: unknown[] = [];
  let text = '';
  const walk = (chunks: unknown[]): boolean => {
    for (const chunk of chunks) {
      if (chunk instanceof StringChunk) {
        text += chunk.value.join('');
      } else if (chunk === undefined) {
        // The dialect writes nothing for it either.
      } else if (chunk === null || (typeof chunk !== 'object' && typeof chunk !== 'function')) {
        params.push(chunk);
        text += `$${params.length}`;
      } else if (chunk instanceof SQL) {
        if (inlinesParams(chunk) || !walk(chunk.queryChunks)) return false;
      } else if (chunk instanceof Param) {
        const { value } = chunk;
        if (typeof value === 'object' && value !== null && is(value, Placeholder)) return false;
        const mapped = value === null ? null : chunk.encoder.mapToDriverValue(value);
        if (typeof mapped === 'object' && mapped !== null && is(mapped, SQL)) return false;
        params.push(mapped);
        text += `$${params.length}`;
      } else if (chunk instanceof Date) {
        params.push(chunk);
        text += `$${params.length}`;
      } else {
        return false;
      }
    }
    return true;
  };
  return !inlinesParams(query) && walk(query.queryChunks) ? { sql: text, params } : undefined;
}

/** `sql.inlineParams()` was called on it (a field drizzle keeps private). */
function inlinesParams(query: SQL): boolean {
  return (query as unknown as { shouldInlineParams: boolean }).shouldInlineParams;
}
