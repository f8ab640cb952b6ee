/**
 * The embedded SMTP sink for local runs and tests: a real SMTP server on a local port that
 * accepts every message and keeps its raw source as a file, so the api (any process) can
 * show it at `GET /api/dev/mail` and tests can verify exactly what went over the wire.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

/** A running sink. */
export interface SmtpSink {
  port: number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

/** Starts the sink on `host:port` (0 for any free port), storing messages under `dir`. */
export async function startSmtpSink(options: {
  host: string;
  port: number;
  dir: string;
}): Promise<SmtpSink> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'], // loopback only; relays in production use TLS
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          return callback(Object.assign(new Error('message too large'), { responseCode: 552 }));
        }
        // File names sort by arrival; written then renamed so readers never see half a message.
        const name = `${Date.now().toString().padStart(15, '0')}-${randomBytes(6).toString('hex')}`;
        const tmp = path.join(options.dir, `.${name}.tmp`);
        writeFile(tmp, Buffer.concat(chunks), { mode: 0o600 })
          .then(() => rename(tmp, path.join(options.dir, `${name}.eml`)))
          .then(() => callback(), callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
