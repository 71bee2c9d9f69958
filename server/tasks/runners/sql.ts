import pg from 'pg';
import { z } from 'zod';
import { TEMPLATE_PATTERN } from '../define';
import type { TaskRunner } from '../runner';
import { PermanentTaskError, TaskTimeoutError } from '../runner';
import { abortReason, effectiveTimeoutMs, parseResolvedConfig } from './config';
import { connectionSecrets, redactSecrets } from './redact';

/** Rows kept in the output; the rest are counted (rowCount) and dropped as they arrive. */
export const MAX_ROWS = 10_000;
/** statement_timeout when neither the task nor its node sets a limit. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 10_000;

const sqlConfigSchema = z.object({
  connection: z
    .string()
    .regex(/^postgres(ql)?:\/\//i, 'must be a postgres:// or postgresql:// URL'),
  query: z.string().min(1),
  params: z.array(z.unknown()).default([]),
  timeoutSeconds: z.coerce.number().positive().optional(),
});

/**
 * SQLSTATE classes retrying cannot fix: data (22), constraints (23), bad
 * credentials (28), syntax or access (42), and a database that does not
 * exist (3D). Anything else — connections, deadlocks, serialization — may
 * pass on the next attempt.
 */
const PERMANENT_SQLSTATE = /^(22|23|28|42|3D)/;
const QUERY_CANCELED = '57014';

type Row = Record<string, unknown>;

/** bytea arrives as a Buffer; as JSON that would be a list of numbers. */
function toJsonRow(row: Row): Row {
  for (const [key, value] of Object.entries(row)) {
    if (Buffer.isBuffer(value)) row[key] = `\\x${value.toString('hex')}`;
  }
  return row;
}

function describeError(err: unknown): string {
  if (!(err instanceof pg.DatabaseError)) return (err as Error).message ?? String(err);
  const parts = [err.message];
  if (err.detail) parts.push(`detail: ${err.detail}`);
  if (err.hint) parts.push(`hint: ${err.hint}`);
  if (err.position) parts.push(`at character ${err.position}`);
  if (err.code) parts.push(`SQLSTATE ${err.code}`);
  return parts.join('; ');
}

/**
 * A parameterised query against a PostgreSQL server. Rows stream in and only
 * the first MAX_ROWS are kept. The connection's password never reaches a
 * log line or an error. Aborting cancels the query on the server
 * (pg_cancel_backend), so it stops holding locks and a connection.
 */
export const sqlRunner: TaskRunner = {
  type: 'sql',
  async run(ctx) {
    const config = parseResolvedConfig('sql', sqlConfigSchema, ctx.config);
    const secrets = connectionSecrets(config.connection);
    const redact = (text: string) => redactSecrets(text, secrets);
    const timeoutMs =
      effectiveTimeoutMs(config.timeoutSeconds, ctx.timeoutMs) ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    const statementTimeoutMs = Math.max(1, Math.floor(timeoutMs));

    let target = 'the database';
    try {
      const url = new URL(config.connection);
      target = `${url.hostname}:${url.port || 5432}${url.pathname}${url.username ? ` as ${decodeURIComponent(url.username)}` : ''}`;
    } catch {
      throw new PermanentTaskError('sql: config.connection is not a valid URL');
    }
    if (TEMPLATE_PATTERN.test(config.query)) {
      ctx.log(
        'warn',
        'query contains {{ … }}: templates are not filled into SQL (that would allow injection); pass values as params and write $1, $2…',
      );
    }

    const client = new pg.Client({
      connectionString: config.connection,
      statement_timeout: statementTimeoutMs,
      connectionTimeoutMillis: Math.min(CONNECT_TIMEOUT_MS, statementTimeoutMs),
      application_name: 'pipewright',
    });
    // A connection lost after the task ended must not crash the worker.
    client.on('error', () => {});
    client.on('notice', (notice) => ctx.log('info', redact(`notice: ${notice.message}`)));

    let backendPid: number | undefined;
    const cancelOnServer = async () => {
      if (backendPid === undefined) return;
      const canceller = new pg.Client({
        connectionString: config.connection,
        connectionTimeoutMillis: 5_000,
        application_name: 'pipewright-cancel',
      });
      canceller.on('error', () => {});
      try {
        await canceller.connect();
        await canceller.query('select pg_cancel_backend($1)', [backendPid]);
      } finally {
        await canceller.end().catch(() => {});
      }
    };

    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => {
        void cancelOnServer()
          .catch(() => {})
          .finally(() => client.end().catch(() => {}));
        reject(abortReason(ctx.signal));
      };
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});

    const started = performance.now();
    let connected = false;
    try {
      await Promise.race([client.connect(), aborted]);
      connected = true;
      const pid = await Promise.race([client.query('select pg_backend_pid() as pid'), aborted]);
      backendPid = Number(pid.rows[0]?.pid);
      ctx.log('info', redact(`connected to ${target}`));

      // Rows are taken as they stream in: a huge result costs time, not memory.
      let current: unknown;
      let rows: Row[] = [];
      let truncated = false;
      const query = new pg.Query(config.query, config.params);
      query.on('row', (row: Row, result?: unknown) => {
        // Several statements: keep the rows of the latest one.
        if (result !== current) {
          current = result;
          rows = [];
          truncated = false;
        }
        if (rows.length < MAX_ROWS) rows.push(toJsonRow(row));
        else truncated = true;
      });
      const results = await Promise.race([
        new Promise<pg.QueryResult | pg.QueryResult[]>((resolve, reject) => {
          query.on('end', (r) => resolve(r as unknown as pg.QueryResult | pg.QueryResult[]));
          query.on('error', reject);
          client.query(query);
        }),
        aborted,
      ]);
      const last = Array.isArray(results) ? results.at(-1) : results;
      if (last !== current) {
        rows = [];
        truncated = false;
      }
      const rowCount = last?.rowCount ?? rows.length;
      const ms = Math.round(performance.now() - started);
      ctx.log(
        truncated ? 'warn' : 'info',
        `${last?.command ?? 'query'}: ${rowCount} row${rowCount === 1 ? '' : 's'} in ${ms} ms${truncated ? `; kept the first ${MAX_ROWS} (truncated: true)` : ''}`,
      );
      return {
        output: {
          rows,
          rowCount,
          fields: (last?.fields ?? []).map((f) => f.name),
          truncated,
        },
      };
    } catch (err) {
      if (ctx.signal.aborted) throw abortReason(ctx.signal);
      const sqlState = err instanceof pg.DatabaseError ? err.code : undefined;
      const message = redact(describeError(err));
      // A fresh error: the driver's own may carry the connection settings.
      const failed = connected ? 'query failed' : `could not connect to ${target}`;
      if (sqlState === QUERY_CANCELED) {
        throw new TaskTimeoutError(
          `the query ran longer than its ${statementTimeoutMs / 1000} s statement_timeout and was cancelled`,
        );
      }
      if (sqlState && PERMANENT_SQLSTATE.test(sqlState)) {
        throw new PermanentTaskError(`${failed}: ${message}`);
      }
      throw new Error(`${failed}: ${message}`);
    } finally {
      if (!ctx.signal.aborted) await client.end().catch(() => {});
    }
  },
};
