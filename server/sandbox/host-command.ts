import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * V8 stack for a host, in KiB (V8's default is ~984). QuickJS recursion runs on it, as
 * WebAssembly frames, and must hit QuickJS's own limit (MAX_STACK_BYTES in pool.ts) first:
 * measured on deep JSON nesting, the worst case found, 3000 KiB was not enough for 512 KiB.
 * If V8's limit is hit anyway, the host reports the overflow and is replaced. Stays under the
 * 8 MiB main-thread stack Linux gives a process by default.
 */
const HOST_V8_STACK_KIB = 5000;

/** The packages host.mjs loads: the QuickJS engine core and its release-sync WebAssembly build. */
const HOST_PACKAGES = ['quickjs-emscripten-core', '@jitl/quickjs-wasmfile-release-sync'];
/** Loaded by both of the above. */
const HOST_SHARED_PACKAGES = ['@jitl/quickjs-ffi-types'];

export interface HostCommand {
  execPath: string;
  args: string[];
}

/**
 * Node's permission-model flag: `--permission` since Node 22.13 / 23.5, before that
 * `--experimental-permission` (Node 20 and early 22 know only the experimental name).
 */
export function permissionFlag(nodeVersion: string): string {
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  const stable = major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13);
  return stable ? '--permission' : '--experimental-permission';
}

let memoized: HostCommand | undefined;

/**
 * How to start a sandbox host: Node itself, with the permission model allowing it to read
 * only its own script and the QuickJS packages (no writes, child processes, workers or
 * addons), and no inherited flags such as the parent's `--import tsx`.
 */
export function sandboxHostCommand(): HostCommand {
  if (memoized) return memoized;
  const hostScript = realpathSync(fileURLToPath(new URL('./host.mjs', import.meta.url)));
  const requireFromHost = createRequire(hostScript);
  const readable = new Set<string>([hostScript]);
  for (const name of HOST_PACKAGES) {
    const entry = requireFromHost.resolve(name);
    readable.add(packageRoot(entry, name));
    const requireFromPackage = createRequire(entry);
    for (const shared of HOST_SHARED_PACKAGES) {
      readable.add(packageRoot(requireFromPackage.resolve(shared), shared));
    }
  }
  memoized = {
    execPath: process.execPath,
    args: [
      permissionFlag(process.versions.node),
      ...[...readable].map((file) => `--allow-fs-read=${file}`),
      `--stack-size=${HOST_V8_STACK_KIB}`,
      // The permission model's "experimental" warning would crowd the stderr kept for diagnostics.
      '--no-warnings',
      hostScript,
    ],
  };
  return memoized;
}

/** The real directory of the installed package `name` that contains `file`. */
function packageRoot(file: string, name: string): string {
  let directory = path.dirname(file);
  for (;;) {
    const manifest = path.join(directory, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === name) return realpathSync(directory);
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error(`Cannot find the package directory of ${name}`);
    directory = parent;
  }
}

function readPackageName(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}
