import { type Dirent, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { PermanentTaskError } from '../runner';
import { abortReason } from './config';
import type { FileRoots } from './file-roots';

function segmentToRegExp(segment: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i]!;
    if (char === '*') out += '[^/]*';
    else if (char === '?') out += '[^/]';
    else if (char === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^/' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else out += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return out;
}

/**
 * A glob matcher for paths relative to a folder, `/`-separated: `*` and `?`
 * stay within one segment, `**` spans any number of segments, `[abc]` and
 * `[!abc]` are classes. Dotfiles match like any other file. One matcher for
 * every Node version (Node 20 has no fs.glob), so behaviour never depends
 * on the worker's runtime.
 */
export function compileGlob(pattern: string): (relative: string) => boolean {
  if (pattern.startsWith('/')) {
    throw new PermanentTaskError(
      `pattern "${pattern}" must be relative to the folder it searches (no leading /)`,
    );
  }
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) {
    throw new PermanentTaskError(`pattern "${pattern}" may not contain ".." segments`);
  }
  if (segments.length === 0) return () => true;
  let source = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') source += last ? '.*' : '(?:[^/]*/)*';
    else source += segmentToRegExp(segment) + (last ? '' : '/');
  });
  const regex = new RegExp(`^${source}$`);
  return (relative) => regex.test(relative);
}

export interface WalkedFile {
  absolute: string;
  /** Relative to the walked folder, `/`-separated. */
  relative: string;
  stats: Stats;
  /** A symbolic link (to a file inside the roots): copy its content, delete the link. */
  isLink: boolean;
}

const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Every file under `dir`, depth first in name order. Links to folders are not
 * followed (no cycles, no escapes); a link to a file counts only when the
 * file is inside the roots. Skipped links are reported through `warn`.
 */
export async function* walkFiles(
  dir: string,
  options: {
    roots: FileRoots;
    signal: AbortSignal;
    warn(message: string): void;
    /** Folders not to descend into (a copy's destination inside its source). */
    skip?: ReadonlySet<string>;
  },
  relativeDir = '',
): AsyncGenerator<WalkedFile> {
  if (options.signal.aborted) throw abortReason(options.signal);
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // removed while walking
    throw err;
  }
  entries.sort(byName);
  for (const entry of entries) {
    const absolute = path.join(dir, entry.name);
    const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!options.skip?.has(absolute)) yield* walkFiles(absolute, options, relative);
      continue;
    }
    if (entry.isFile()) {
      const stats = await fs.stat(absolute).catch(() => null);
      if (stats) yield { absolute, relative, stats, isLink: false };
      continue;
    }
    if (entry.isSymbolicLink()) {
      const real = await fs.realpath(absolute).catch(() => null);
      if (real === null) {
        options.warn(`skipped ${relative}: a symbolic link to something that does not exist`);
      } else if (!options.roots.contains(real)) {
        options.warn(
          `skipped ${relative}: a symbolic link to ${real}, outside the allowed folders`,
        );
      } else {
        const stats = await fs.stat(real);
        if (stats.isFile()) yield { absolute, relative, stats, isLink: true };
        else options.warn(`skipped ${relative}: links to folders are not followed`);
      }
    }
    // Sockets, FIFOs and devices are not files to list or copy.
  }
}
