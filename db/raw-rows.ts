import { getTableColumns, type Table } from 'drizzle-orm';

/**
 * Reads a row of `table` that raw SQL returned (`select *`, snake_case
 * column names, values as pg parses them) into the shape drizzle selects
 * (its camelCase keys): for the engine's hot statements, which bypass
 * drizzle's query builder.
 */
export function rawRowReader<Row>(table: Table): (raw: Record<string, unknown>) => Row {
  const columns = Object.entries(getTableColumns(table)).map(
    ([key, column]) =>
      [
        key,
        // The schema is cased snake_case: a column named by its key is its key in snake_case.
        column.keyAsName ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : column.name,
      ] as const,
  );
  return (raw) => Object.fromEntries(columns.map(([key, name]) => [key, raw[name]])) as Row;
}
