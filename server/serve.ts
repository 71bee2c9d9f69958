import { createServer } from 'node:http';
import next from 'next';
import { CLIENT_IP_HEADER } from '@/server/auth/same-origin';
import { bootRuntime } from '@/server/boot';
import { env } from '@/server/env';
import { unroutableRequest } from '@/server/http/unroutable';
import { onShutdownSignal } from '@/server/shutdown';

/**
 * One process with the database (embedded unless DATABASE_URL is set),
 * migrations, an in-process worker and the Next.js app. Resolves once the
 * server is listening; SIGINT/SIGTERM shut it all down cleanly.
 */
export async function serve(options: { dir: string; log: (line: string) => void }): Promise<void> {
  const config = env();
  const { log } = options;
  const booted = await bootRuntime({ worker: config.PIPEWRIGHT_WORKER, log });
  try {
    const app = next({ dev: false, dir: options.dir, hostname: config.HOST, port: config.PORT });
    await app.prepare();
    const handle = app.getRequestHandler();
    const server = createServer((req, res) => {
      const refusal = unroutableRequest(req.method, req.url);
      if (refusal) {
        res.writeHead(refusal.status, {
          ...refusal.headers,
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(refusal.message);
        return;
      }
      // The peer address, for the sign-in rate limit; a client cannot forge it.
      req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? '';
      void handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, resolve);
    });
    const address = server.address();
    const port = address && typeof address === 'object' ? address.port : config.PORT;
    log(`Ready on http://localhost:${port}${booted.worker ? ' (with an in-process worker)' : ''}`);

    onShutdownSignal(async () => {
      log('Shutting down');
      server.close();
      server.closeAllConnections();
      await booted.shutdown();
      log('Stopped');
    });
  } catch (err) {
    await booted.shutdown();
    if ((err as NodeJS.ErrnoException)?.code === 'EADDRINUSE') {
      throw new Error(`Port ${config.PORT} is already in use; set PORT to another port`);
    }
    throw err;
  }
}
