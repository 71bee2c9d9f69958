import { promises as fs } from 'node:fs';
import path from 'node:path';
import { env } from '@/server/env';
import { PermanentTaskError } from '../runner';

interface Root {
  /** As the operator wrote it, normalized. */
  configured: string;
  /** With symbolic links resolved; null while the folder does not exist. */
  real: string | null;
}

/** Whether `child` is `parent` or inside it (both absolute and normalized). */
export function isWithin(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code;

/**
 * The real path of `p` even when its end does not exist yet (a file about to
 * be written): the longest existing prefix is resolved and the rest appended.
 * A dangling symbolic link is followed to where it points, so writing
 * through it cannot land outside.
 */
async function realpathAllowingMissing(p: string, hops = 0): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
    if (hops > 40)
      throw Object.assign(new Error(`too many symbolic links at ${p}`), { code: 'ELOOP' });
    const link = await fs.readlink(p).catch(() => null);
    if (link !== null)
      return realpathAllowingMissing(path.resolve(path.dirname(p), link), hops + 1);
    const parent = path.dirname(p);
    if (parent === p) return p;
    return path.join(await realpathAllowingMissing(parent, hops + 1), path.basename(p));
  }
}

/**
 * The folders `files` tasks (and a shell task's working folder) may use.
 * Every path goes through `resolve`, which refuses anything that ends up
 * outside them — by `..`, by an absolute path, or through a symbolic link.
 * Checked when the task runs; it guards against what a flow asks for, not
 * against another local process swapping folders for links mid-task.
 */
export class FileRoots {
  private constructor(private readonly roots: readonly Root[]) {}

  /** The operator's roots (PIPEWRIGHT_FILES_ROOTS); the default root is created on first use. */
  static async fromEnv(): Promise<FileRoots> {
    const config = env();
    if (config.filesRootsDefaulted) await fs.mkdir(config.filesRoots[0]!, { recursive: true });
    return FileRoots.open(config.filesRoots);
  }

  static async open(roots: readonly string[]): Promise<FileRoots> {
    if (roots.length === 0) throw new Error('FileRoots needs at least one folder');
    return new FileRoots(
      await Promise.all(
        roots.map(async (root) => ({
          configured: path.resolve(root),
          real: await fs.realpath(root).catch(() => null),
        })),
      ),
    );
  }

  /** Where relative paths start: the first root. */
  get base(): string {
    const first = this.roots[0]!;
    return first.real ?? first.configured;
  }

  /** The roots as the operator configured them, for messages. */
  describe(): string {
    return this.roots.map((r) => r.configured).join(', ');
  }

  /** Whether a real (symlink-free) path is inside one of the roots. */
  contains(real: string): boolean {
    return this.roots.some((r) => r.real !== null && isWithin(real, r.real));
  }

  /** Whether a real path is a root, or a folder holding one (never to be deleted). */
  holdsRoot(real: string): boolean {
    return this.roots.some((r) => r.real !== null && isWithin(r.real, real));
  }

  /**
   * The real absolute path for a path a task gave in `field`. Relative paths
   * start at the first root. With `followFinalLink: false` the last segment
   * is kept as it is (deleting a link removes the link, not its target).
   */
  async resolve(
    given: string,
    field: string,
    options: { followFinalLink?: boolean } = {},
  ): Promise<string> {
    const lexical = path.resolve(this.base, given);
    const lexicalRoot = this.roots.find(
      (r) => isWithin(lexical, r.configured) || (r.real !== null && isWithin(lexical, r.real)),
    );
    if (!lexicalRoot) {
      throw new PermanentTaskError(
        `${field} "${given}" is outside the folders files tasks may use (${this.describe()}); an operator sets them with PIPEWRIGHT_FILES_ROOTS`,
      );
    }
    if (lexicalRoot.real === null) {
      throw new PermanentTaskError(
        `${field} "${given}": the allowed folder ${lexicalRoot.configured} does not exist on this worker`,
      );
    }
    let real: string;
    try {
      real =
        options.followFinalLink === false
          ? path.join(await realpathAllowingMissing(path.dirname(lexical)), path.basename(lexical))
          : await realpathAllowingMissing(lexical);
    } catch (err) {
      throw new PermanentTaskError(
        `${field} "${given}" cannot be resolved: ${(err as Error).message}`,
      );
    }
    if (!this.contains(real)) {
      throw new PermanentTaskError(
        `${field} "${given}" leads through a symbolic link to ${real}, outside the folders files tasks may use (${this.describe()})`,
      );
    }
    return real;
  }
}
