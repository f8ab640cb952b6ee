/**
 * Sends one webhook body: a signed JSON POST with a 10 s limit, redirects not followed, the
 * answer's body not read beyond a little. Unless private addresses are allowed, the address is
 * checked when the connection is made, by the resolver the socket itself uses: the address
 * that was checked is the one connected to, so DNS that answers differently from the check at
 * creation (rebinding) gets nowhere. The outcome is what a delivery records of an attempt.
 */
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import type { WebhookAttempt } from '../db/models/webhook';
import { hostOf, isPublicAddress, parseWebhookUrl } from './target';

/** The header that carries the signature. */
export const SIGNATURE_HEADER = 'Consentflow-Signature';

/** How long a receiver has to answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>`. */
export function signatureOf(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** One POST to send. */
export interface WebhookRequest {
  url: string;
  /** The endpoint's secret, as shown to the integrator (the HMAC key, as text). */
  secret: string;
  body: string;
}

/** What came of one POST: the receiver's status, or why there was none; and how long it took. */
export type WebhookOutcome = Omit<WebhookAttempt, 'at'> & { at: Date };

/** Sends webhook POSTs. */
export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookOutcome>;
  close(): Promise<void>;
}

/** Marks a connection refused because of the address it would reach. */
export class AddressRefused extends Error {
  readonly code = 'ERR_WEBHOOK_ADDRESS_REFUSED';
}

/**
 * A resolver for sockets that fails for any name with an address that is not public (also
 * what the campaigns' link checker connects through).
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, found: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    if (found.length === 0 || !found.every((a) => isPublicAddress(a.address)))
      return callback(new AddressRefused('address refused'), '', 0);
    if (options.all)
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, found);
    callback(null, found[0]!.address, found[0]!.family);
  });
};

/** Why a request failed without an answer, in the attempt's vocabulary. */
function errorKind(err: unknown): NonNullable<WebhookAttempt['error']> {
  const chain: unknown[] = [];
  for (let e: unknown = err; e && chain.length < 5; e = (e as { cause?: unknown }).cause)
    chain.push(e);
  const codes = chain.map((e) => (e as { code?: string; name?: string }).code ?? (e as Error).name);
  if (codes.includes('ERR_WEBHOOK_ADDRESS_REFUSED')) return 'address_refused';
  if (codes.some((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN')) return 'unresolvable';
  if (
    codes.some((c) =>
      [
        'TimeoutError',
        'AbortError',
        'UND_ERR_HEADERS_TIMEOUT',
        'UND_ERR_BODY_TIMEOUT',
        'UND_ERR_CONNECT_TIMEOUT',
      ].includes(c ?? ''),
    )
  )
    return 'timeout';
  return 'network';
}

/** Creates the sender; `allowPrivate` (development and tests) skips the address checks. */
export function createWebhookSender(options: {
  allowPrivate: boolean;
  timeoutMs?: number;
  now?: () => Date;
}): WebhookSender {
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const now = options.now ?? (() => new Date());
  // undici's request follows no redirects: a 3xx is an answer like any other non-2xx.
  const agent = new Agent({
    connect: { timeout: timeoutMs, ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup }) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  return {
    async send({ url, secret, body }) {
      const at = now();
      const started = performance.now();
      const done = (result: Pick<WebhookAttempt, 'statusCode' | 'error'>): WebhookOutcome => ({
        at,
        ...result,
        durationMs: Math.round(performance.now() - started),
      });
      const target = parseWebhookUrl(url);
      // An address literal is connected to without a lookup: judge it here.
      const host = hostOf(target);
      if (!options.allowPrivate && isIP(host) && !isPublicAddress(host))
        return done({ error: 'address_refused' });
      try {
        const answer = await request(target, {
          method: 'POST',
          dispatcher: agent,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Consentflow-Webhooks/1',
            [SIGNATURE_HEADER.toLowerCase()]: signatureOf(
              secret,
              body,
              Math.floor(at.getTime() / 1000),
            ),
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        // The answer's body means nothing to us; read a little so the connection is reused.
        await answer.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        return done({ statusCode: answer.statusCode });
      } catch (err) {
        return done({ error: errorKind(err) });
      }
    },
    close: () => agent.close(),
  };
}
