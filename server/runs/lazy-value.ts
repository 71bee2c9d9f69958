import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/**
 * Values bigger than this (bytes of JSON) are not sent with a task's detail:
 * the panel shows their size and loads them when asked (`getTaskValue`).
 */
export const LAZY_VALUE_BYTES = 64 * 1024;

/** A JSON column's size in bytes (null when the column is null). */
export function jsonBytes(column: PgColumn): SQL<number | null> {
  return sql<number | null>`octet_length(${column}::text)`;
}

/** The column's value when it is small enough to send at once, else null. */
export function smallJson(column: PgColumn, bytes: SQL<number | null>): SQL<unknown> {
  return sql<unknown>`case when ${bytes} <= ${LAZY_VALUE_BYTES} then ${column} end`;
}

/** Too big to send with the detail: the panel loads it on request. */
export function isDeferred(bytes: number | null): boolean {
  return bytes !== null && bytes > LAZY_VALUE_BYTES;
}
