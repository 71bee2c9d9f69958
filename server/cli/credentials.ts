import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { env } from '@/server/env';
import { CliError } from './output';

/** Where `pipewright login` keeps the server address and API key. */
export interface Credentials {
  url: string;
  key: string;
}

/**
 * `$PIPEWRIGHT_CREDENTIALS_FILE`, else `$XDG_CONFIG_HOME/pipewright/credentials.json`,
 * else `~/.config/pipewright/credentials.json`. Written with mode 0600.
 */
export function credentialsFile(): string {
  const config = env();
  if (config.PIPEWRIGHT_CREDENTIALS_FILE) return path.resolve(config.PIPEWRIGHT_CREDENTIALS_FILE);
  const base = config.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'pipewright', 'credentials.json');
}

async function readSaved(): Promise<Partial<Credentials>> {
  const file = credentialsFile();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`Cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const saved = JSON.parse(text) as Partial<Credentials>;
    return {
      url: typeof saved.url === 'string' ? saved.url : undefined,
      key: typeof saved.key === 'string' ? saved.key : undefined,
    };
  } catch {
    throw new CliError(`${file} is not valid JSON; run \`pipewright login\` again`);
  }
}

/**
 * The server this command should talk to, if any: PIPEWRIGHT_URL and
 * PIPEWRIGHT_API_KEY override what `pipewright login` saved. Null means no
 * login: commands use the database directly (local, single-user use).
 */
export async function remoteTarget(): Promise<Credentials | null> {
  const config = env();
  const saved = await readSaved();
  const url = config.PIPEWRIGHT_URL ?? saved.url;
  const key = config.PIPEWRIGHT_API_KEY ?? saved.key;
  if (!url && !key) return null;
  if (!url) throw new CliError('PIPEWRIGHT_API_KEY is set but no server: set PIPEWRIGHT_URL too');
  if (!key) throw new CliError(`No API key for ${url}: run \`pipewright login --url … --key …\``);
  return { url: url.replace(/\/+$/, ''), key };
}

export async function saveCredentials(credentials: Credentials): Promise<string> {
  const file = credentialsFile();
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  // An existing file keeps its old mode on write; make sure it is private.
  await chmod(file, 0o600);
  return file;
}

export async function forgetCredentials(): Promise<string> {
  const file = credentialsFile();
  await rm(file, { force: true });
  return file;
}
