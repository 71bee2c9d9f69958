import pg from 'pg';
import pgUtils from 'pg/lib/utils';

/** One statement of a pipeline: a named (prepared) statement, or unnamed text such as `commit`. */
export interface PipelinedStatement {
  name?: string;
  text: string;
  values?: unknown[];
}

/**
 * The slice of pg's Connection a pipeline writes to: the extended-protocol
 * messages, and the statements this connection has prepared (shared with
 * pg's own queries, so a statement is parsed once per connection whichever
 * path prepared it).
 */
interface ProtocolConnection {
  parsedStatements: Record<string, string>;
  stream: { cork?: () => void; uncork?: () => void };
  parse(msg: { name: string; text: string; types: number[] }): void;
  bind(msg: {
    statement: string;
    values: unknown[];
    valueMapper: (value: unknown) => unknown;
  }): void;
  describe(msg: { type: 'P'; name: string }): void;
  execute(msg: { portal: string; rows: number }): void;
  sync(): void;
  on(event: 'parseComplete', listener: () => void): void;
  removeListener(event: 'parseComplete', listener: () => void): void;
}

interface FieldMessage {
  name: string;
  dataTypeID: number;
  format: string;
}

/**
 * Sends several statements in one round trip and resolves with a result
 * per statement, in order. They go as one extended-protocol sequence ended
 * by a single Sync, so the server runs them back to back without waiting
 * for the client, and an error stops the rest: the statements after a
 * failed one are not run, and the promise rejects with that error (inside a
 * transaction block, the transaction is then aborted and must be rolled
 * back, as after any failed statement).
 *
 * node-postgres sends one statement per round trip; this is its public
 * extension point for custom queries (a Submittable, as pg-cursor is).
 * Named statements are parsed on a connection once, as pg's own prepared
 * queries are, and the two share the connection's record of them.
 */
export function pipeline(
  client: pg.ClientBase,
  statements: PipelinedStatement[],
): Promise<pg.QueryResult[]> {
  return new Promise((resolve, reject) => {
    client.query(new Pipeline(statements, resolve, reject) as unknown as pg.Submittable);
  });
}

class Pipeline {
  private readonly results: pg.QueryResult[] = [];
  private fields: FieldMessage[] = [];
  private parsers: ((value: string) => unknown)[] = [];
  private rows: pg.QueryResultRow[] = [];
  /** Statements whose Parse was sent, in order, until the server confirms each. */
  private readonly parsing: PipelinedStatement[] = [];
  private connection: ProtocolConnection | undefined;
  private settled = false;

  constructor(
    private readonly statements: PipelinedStatement[],
    private readonly resolve: (results: pg.QueryResult[]) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  submit(connection: ProtocolConnection): void {
    this.connection = connection;
    connection.on('parseComplete', this.parsed);
    const parsedHere = new Set<string>();
    connection.stream.cork?.();
    try {
      for (const statement of this.statements) {
        const name = statement.name ?? '';
        if (!name || (connection.parsedStatements[name] === undefined && !parsedHere.has(name))) {
          connection.parse({ name, text: statement.text, types: [] });
          this.parsing.push(statement);
          if (name) parsedHere.add(name);
        }
        connection.bind({
          statement: name,
          values: statement.values ?? [],
          valueMapper: pgUtils.prepareValue,
        });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
      }
    } finally {
      // Sync even if a value could not be serialised: the server then
      // discards the partial sequence and answers ReadyForQuery.
      connection.sync();
      connection.stream.uncork?.();
    }
  }

  /** A named statement's Parse succeeded: later pipelines and queries bind it without parsing. */
  private readonly parsed = () => {
    const statement = this.parsing.shift();
    if (statement?.name && this.connection) {
      this.connection.parsedStatements[statement.name] = statement.text;
    }
  };

  handleRowDescription(msg: { fields: FieldMessage[] }): void {
    this.fields = msg.fields;
    this.parsers = msg.fields.map(
      (f) =>
        pg.types.getTypeParser(f.dataTypeID, f.format === 'binary' ? 'binary' : 'text') as (
          value: string,
        ) => unknown,
    );
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    const row: pg.QueryResultRow = {};
    for (let i = 0; i < msg.fields.length; i++) {
      const raw = msg.fields[i];
      row[this.fields[i]!.name] = raw === null || raw === undefined ? null : this.parsers[i]!(raw);
    }
    this.rows.push(row);
  }

  handleCommandComplete(msg: { text: string }): void {
    const [command = '', ...counts] = msg.text.split(' ');
    const count = counts.at(-1);
    this.results.push({
      command,
      rowCount: count === undefined ? null : Number(count),
      oid: 0,
      fields: this.fields as pg.FieldDef[],
      rows: this.rows,
    });
    this.fields = [];
    this.parsers = [];
    this.rows = [];
  }

  handleEmptyQuery(): void {
    this.handleCommandComplete({ text: '' });
  }

  handlePortalSuspended(): void {
    this.handleError(new Error('a pipelined statement was suspended (it asked for a row limit)'));
  }

  handleCopyInResponse(): void {
    this.handleError(new Error('COPY is not supported in a pipeline'));
  }

  handleCopyData(): void {}

  handleError(err: unknown): void {
    this.settle();
    this.reject(err);
  }

  handleReadyForQuery(): void {
    this.settle();
    if (this.results.length === this.statements.length) this.resolve(this.results);
    else {
      this.reject(
        new Error(
          `a pipeline of ${this.statements.length} statements returned ${this.results.length} results`,
        ),
      );
    }
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.connection?.removeListener('parseComplete', this.parsed);
  }
}
