/**
 * Starts the api's listener: HTTPS only when a certificate and key are configured (no plain
 * HTTP port at all, so a Secure cookie can never travel in clear), plain HTTP otherwise.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { Express } from 'express';
import { StartupError } from '../startup';

/** TLS files, as src/config.ts resolves them. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** Listens on host:port; resolves once listening, with a one-line error for a busy port. */
export async function listen(
  app: Express,
  options: { port: number; host: string; tls?: TlsFiles },
): Promise<http.Server> {
  let server: http.Server;
  if (options.tls) {
    const [cert, key] = await Promise.all(
      [options.tls.certFile, options.tls.keyFile].map((file, i) =>
        readFile(file).catch(() => {
          throw new StartupError(
            `cannot read ${i === 0 ? 'CONSENTFLOW_TLS_CERT' : 'CONSENTFLOW_TLS_KEY'} (${file})`,
          );
        }),
      ),
    );
    server = https.createServer({ cert, key, minVersion: 'TLSv1.2' }, app);
  } else {
    server = http.createServer(app);
  }
  server.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new StartupError(`port ${options.port} is already in use (PORT)`)
          : err,
      ),
    );
  });
  return server;
}
