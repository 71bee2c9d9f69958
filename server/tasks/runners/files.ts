import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { z } from 'zod';
import { filesTask } from '../files';
import type { TaskRunContext, TaskRunner } from '../runner';
import { PermanentTaskError } from '../runner';
import { abortReason, formatBytes, parseResolvedConfig } from './config';
import { FileRoots, isWithin } from './file-roots';
import { compileGlob, type WalkedFile, walkFiles } from './file-walk';

type FilesConfig = z.output<typeof filesTask.config>;
type Context = TaskRunContext<Record<string, unknown>>;

/** Entries a list returns: ~100 bytes each, so the output stays under the 1 MiB output limit. */
export const MAX_LISTED_FILES = 5_000;
/** Paths a copy, move or delete names in its output (the counts are always complete). */
export const MAX_NAMED_FILES = 1_000;
/** A read returns text for the next task; bigger files belong in a copy. */
export const MAX_READ_BYTES = 1024 * 1024;

export const filesRunner: TaskRunner = {
  type: 'files',
  async run(ctx) {
    const config = parseResolvedConfig('files', filesTask.config, ctx.config);
    const roots = await FileRoots.fromEnv();
    switch (config.operation) {
      case 'list':
        return { output: await listFiles(config, roots, ctx) };
      case 'read':
        return { output: await readFile(config, roots) };
      case 'write':
        return { output: await writeFile(config, roots, ctx) };
      case 'copy':
      case 'move':
        return { output: await copyOrMove(config, roots, ctx) };
      case 'delete':
        return { output: await deleteFiles(config, roots, ctx) };
    }
  },
};

async function statOrNull(p: string): Promise<Stats | null> {
  try {
    return await fs.stat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Missing input may still appear (an export not written yet): retryable, not permanent. */
function missing(field: string, given: string): Error {
  return new Error(`${field} "${given}" does not exist`);
}

const walkOptions = (roots: FileRoots, ctx: Context, skip?: ReadonlySet<string>) => ({
  roots,
  signal: ctx.signal,
  warn: (message: string) => ctx.log('warn', message),
  skip,
});

async function listFiles(config: FilesConfig, roots: FileRoots, ctx: Context) {
  const given = config.path ?? '.';
  const dir = await roots.resolve(given, 'path');
  const stats = await statOrNull(dir);
  if (!stats) throw missing('path', given);
  if (!stats.isDirectory()) {
    throw new PermanentTaskError(
      `path "${given}" is a file; list takes a folder (pick files with pattern)`,
    );
  }
  const matches = compileGlob(config.pattern ?? '**');
  const files: { path: string; size: number; modifiedAt: string }[] = [];
  let truncated = false;
  for await (const file of walkFiles(dir, walkOptions(roots, ctx))) {
    if (!matches(file.relative)) continue;
    if (files.length === MAX_LISTED_FILES) {
      truncated = true;
      break;
    }
    files.push({
      path: file.relative,
      size: file.stats.size,
      modifiedAt: file.stats.mtime.toISOString(),
    });
  }
  ctx.log(
    truncated ? 'warn' : 'info',
    truncated
      ? `listed the first ${MAX_LISTED_FILES} matching files under ${dir}; there are more (truncated: true)`
      : `listed ${files.length} file${files.length === 1 ? '' : 's'} under ${dir}`,
  );
  return { directory: dir, files, truncated };
}

async function readFile(config: FilesConfig, roots: FileRoots) {
  const given = config.path!;
  const file = await roots.resolve(given, 'path');
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing('path', given);
    throw err;
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) {
      throw new PermanentTaskError(`path "${given}" is a folder; read takes a file`);
    }
    // Read one byte past the limit, so a file that grew since stat still fails.
    const buffer = Buffer.alloc(Math.min(stats.size, MAX_READ_BYTES) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_READ_BYTES || stats.size > MAX_READ_BYTES) {
      throw new PermanentTaskError(
        `path "${given}" is ${formatBytes(Math.max(stats.size, bytesRead))}, over the ${formatBytes(MAX_READ_BYTES)} a read returns; copy it instead, or read a smaller file`,
      );
    }
    const bytes = buffer.subarray(0, bytesRead);
    if (bytes.includes(0)) {
      throw new PermanentTaskError(
        `path "${given}" is not a text file (it contains NUL bytes); read returns text`,
      );
    }
    return { path: file, size: bytesRead, content: bytes.toString('utf8') };
  } finally {
    await handle.close();
  }
}

/** Writes beside the target and renames over it, so no reader sees half a file. */
async function replaceFile(target: string, write: (temporary: string) => Promise<void>) {
  const temporary = `${target}.${randomBytes(4).toString('hex')}.pipewright-partial`;
  try {
    await write(temporary);
    await fs.rename(temporary, target);
  } catch (err) {
    await fs.rm(temporary, { force: true }).catch(() => {});
    throw err;
  }
}

async function writeFile(config: FilesConfig, roots: FileRoots, ctx: Context) {
  const given = config.path!;
  const file = await roots.resolve(given, 'path');
  if ((await statOrNull(file))?.isDirectory()) {
    throw new PermanentTaskError(`path "${given}" is a folder; write takes a file path`);
  }
  const content =
    typeof config.content === 'string'
      ? config.content
      : `${JSON.stringify(config.content ?? null, null, 2)}\n`;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await replaceFile(file, (temporary) => fs.writeFile(temporary, content, { flag: 'wx' }));
  const bytes = Buffer.byteLength(content);
  ctx.log('info', `wrote ${formatBytes(bytes)} to ${file}`);
  return { path: file, bytes };
}

/** Streams a file (never whole into memory), keeping its modification time. */
async function copyFile(source: string, target: string, stats: Stats, signal: AbortSignal) {
  await replaceFile(target, async (temporary) => {
    await pipeline(createReadStream(source), createWriteStream(temporary, { flags: 'wx' }), {
      signal,
    });
    await fs.utimes(temporary, stats.atime, stats.mtime);
  });
}

async function moveFile(file: WalkedFile, target: string, signal: AbortSignal) {
  if (!file.isLink) {
    try {
      await fs.rename(file.absolute, target);
      return;
    } catch (err) {
      // Another filesystem: fall back to copy and delete.
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    }
  }
  await copyFile(file.absolute, target, file.stats, signal);
  await fs.rm(file.absolute, { force: true });
}

/** Removes folders left empty under `dir` (and `dir` itself), never one in `keep`. */
async function removeEmptyFolders(dir: string, keep: (dir: string) => boolean): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isDirectory()) await removeEmptyFolders(path.join(dir, entry.name), keep);
  }
  if (!keep(dir)) await fs.rmdir(dir).catch(() => {});
}

/**
 * copy and move. A file goes to `to`, or into `to` when that is an existing
 * folder (or ends in /). A folder's files (those matching `pattern`, default
 * all) go under `to` at the same relative paths. Existing files at the
 * destination are replaced: re-running a backup gives the same result.
 */
async function copyOrMove(config: FilesConfig, roots: FileRoots, ctx: Context) {
  const operation = config.operation as 'copy' | 'move';
  const source = await roots.resolve(config.from!, 'from');
  const destination = await roots.resolve(config.to!, 'to');
  const sourceStats = await statOrNull(source);
  if (!sourceStats) throw missing('from', config.from!);
  if (source === destination) {
    throw new PermanentTaskError(`from and to are the same place (${source})`);
  }
  const destinationStats = await statOrNull(destination);

  // Folders already checked to be inside the roots (a link inside `to`
  // could point elsewhere).
  const checkedFolders = new Set<string>();
  const prepareFolder = async (folder: string) => {
    if (checkedFolders.has(folder)) return;
    await fs.mkdir(folder, { recursive: true });
    const real = await fs.realpath(folder);
    if (!roots.contains(real)) {
      throw new PermanentTaskError(
        `to "${config.to}": ${folder} leads through a symbolic link to ${real}, outside the folders files tasks may use (${roots.describe()})`,
      );
    }
    checkedFolders.add(folder);
  };

  const named: string[] = [];
  let files = 0;
  let bytes = 0;
  const transfer = async (file: WalkedFile, target: string, name: string) => {
    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    await prepareFolder(path.dirname(target));
    if ((await statOrNull(target))?.isDirectory()) {
      throw new PermanentTaskError(`cannot ${operation} ${name}: ${target} is a folder`);
    }
    if (operation === 'copy') await copyFile(file.absolute, target, file.stats, ctx.signal);
    else await moveFile(file, target, ctx.signal);
    files++;
    bytes += file.stats.size;
    if (named.length < MAX_NAMED_FILES) named.push(name);
  };

  if (sourceStats.isDirectory()) {
    if (destinationStats && !destinationStats.isDirectory()) {
      throw new PermanentTaskError(`to "${config.to}" is a file; a folder is copied into a folder`);
    }
    const matches = compileGlob(config.pattern ?? '**');
    // A destination inside the source (archive/ under the data folder) is not copied into itself.
    const skip = new Set(isWithin(destination, source) ? [destination] : []);
    // Collect first: moving while walking would change what is walked.
    const selected: WalkedFile[] = [];
    for await (const file of walkFiles(source, walkOptions(roots, ctx, skip))) {
      if (matches(file.relative)) selected.push(file);
    }
    for (const file of selected) {
      await transfer(file, path.join(destination, file.relative), file.relative);
    }
    if (operation === 'move' && config.pattern === undefined) {
      await removeEmptyFolders(source, (dir) => roots.holdsRoot(dir) || isWithin(destination, dir));
    }
  } else {
    if (config.pattern !== undefined) {
      throw new PermanentTaskError(
        `pattern applies when from is a folder; from "${config.from}" is a file`,
      );
    }
    const intoFolder = destinationStats?.isDirectory() || /[/\\]$/.test(config.to!);
    const name = path.basename(source);
    const target = intoFolder ? path.join(destination, name) : destination;
    const file: WalkedFile = {
      absolute: source,
      relative: name,
      stats: sourceStats,
      isLink: false,
    };
    await transfer(file, target, intoFolder ? name : path.basename(target));
  }

  const verb = operation === 'copy' ? 'copied' : 'moved';
  ctx.log(
    'info',
    `${verb} ${files} file${files === 1 ? '' : 's'} (${formatBytes(bytes)}) from ${source} to ${destination}`,
  );
  return {
    from: source,
    to: destination,
    files,
    bytes,
    copied: named,
    copiedTruncated: files > named.length,
  };
}

async function deleteFiles(config: FilesConfig, roots: FileRoots, ctx: Context) {
  const given = config.path!;
  // The last segment is not followed: deleting a link removes the link.
  const target = await roots.resolve(given, 'path', { followFinalLink: false });
  if (roots.holdsRoot(target)) {
    throw new PermanentTaskError(
      `path "${given}" is an allowed folder itself (or holds one); delete what is inside it instead, e.g. with pattern "**"`,
    );
  }
  let stats: Stats;
  try {
    stats = await fs.lstat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // Already gone: a retried delete succeeds.
    ctx.log('info', `${target} does not exist; nothing to delete`);
    return { path: target, existed: false, files: 0 };
  }
  if (!stats.isDirectory()) {
    if (config.pattern !== undefined) {
      throw new PermanentTaskError(
        `pattern applies when path is a folder; path "${given}" is a file`,
      );
    }
    await fs.rm(target, { force: true });
    ctx.log('info', `deleted ${target}`);
    return { path: target, existed: true, files: 1 };
  }
  const matches = config.pattern === undefined ? null : compileGlob(config.pattern);
  let files = 0;
  for await (const file of walkFiles(target, walkOptions(roots, ctx))) {
    if (matches && !matches(file.relative)) continue;
    if (matches) await fs.rm(file.absolute, { force: true });
    files++;
  }
  if (!matches) await fs.rm(target, { recursive: true, force: true });
  ctx.log(
    'info',
    matches
      ? `deleted ${files} file${files === 1 ? '' : 's'} matching ${config.pattern} under ${target}`
      : `deleted ${target} (${files} file${files === 1 ? '' : 's'})`,
  );
  return { path: target, existed: true, files };
}
