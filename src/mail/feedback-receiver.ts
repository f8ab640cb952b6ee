/**
 * The feedback mailbox: an SMTP listener that takes bounce and complaint reports (the MX of
 * the bounce domain points here, or a relay forwards them) and hands each message to
 * `onMessage`. A message that is not a report is taken and dropped (a bounce of a bounce
 * helps nobody); a failure to record one answers 451, so the sender tries again later.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A running receiver. */
export interface FeedbackReceiver {
  port: number;
  close(): Promise<void>;
}

/** Reports are small; this bounds what one connection can make the process hold. */
const MAX_REPORT_BYTES = 10 * 1024 * 1024;

/** Starts the receiver on `host:port` (0: any free port). */
export async function startFeedbackReceiver(options: {
  host: string;
  port: number;
  onMessage(raw: Buffer): Promise<void>;
}): Promise<FeedbackReceiver> {
  const server = new SMTPServer({
    authOptional: true,
    // Reports arrive from other servers' bounce daemons, which relay no credentials; TLS is
    // the job of the MX in front when the listener is exposed beyond loopback.
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_REPORT_BYTES,
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded)
          return callback(Object.assign(new Error('report too large'), { responseCode: 552 }));
        options.onMessage(Buffer.concat(chunks)).then(
          () => callback(),
          () => callback(Object.assign(new Error('try again later'), { responseCode: 451 })),
        );
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
