/**
 * A real webhook receiver for tests: node:http on 127.0.0.1 (a free port), which checks each
 * request's `Consentflow-Signature` with the endpoint's secret and records what it got; its
 * answers come from a script (status codes, delays) so tests can make it fail or be slow.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface Received {
  body: string;
  parsed: { id: string; type: string; createdAt: string; data: Record<string, string> };
  contentType: string | undefined;
  /** Whether the signature was valid under the secret and its time within 5 minutes. */
  signatureValid: boolean;
  /** When it arrived (ms, wall clock). */
  at: number;
}

/** A running receiver. */
export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Set once the endpoint exists; requests before are judged against an empty secret. */
  secret: string;
  /** Waits until `count` requests arrived (polls; throws after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** How the receiver answers the n-th request (0-based). */
export type Script = (n: number) => { status: number; delayMs?: number };

/** Checks `t=<t>,v1=<hex>` against the HMAC-SHA256 of "<t>.<body>" under the secret. */
export function verifySignature(header: string | undefined, body: string, secret: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const [, t, v1] = match;
  if (Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1!, 'hex'));
}

/** Starts a receiver answering by `script` (default: 200 at once). */
export async function startReceiver(script: Script = () => ({ status: 200 })): Promise<Receiver> {
  const received: Received[] = [];
  const receiver = { secret: '' } as Receiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const n = received.length;
      received.push({
        body,
        parsed: JSON.parse(body),
        contentType: req.headers['content-type'],
        signatureValid: verifySignature(
          req.headers['consentflow-signature'] as string | undefined,
          body,
          receiver.secret,
        ),
        at: Date.now(),
      });
      const { status, delayMs } = script(n);
      const answer = () => res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      if (delayMs) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    async waitFor(count: number, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > until)
          throw new Error(`receiver got ${received.length} requests, expected ${count}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
