/**
 * Every link of a message checked before it is sent: each hop of its redirects followed (at
 * most MAX_HOPS, each with a time limit) and judged. A link is `blocked` when a hop is not
 * http(s), names an IP address instead of a host, is on the operator's blocklist or the
 * tenant's deny list (src/campaigns/blocklist.ts: a domain with its subdomains, or an exact
 * URL), or resolves to a loopback, private or otherwise non-public address; or when the text
 * of the link shows one domain while it points at another. It is `unreachable` when a hop
 * does not answer or answers an error. Verdicts are cached for a while per URL (and per
 * version of the operator's blocklist); the tenant's list applies to each verdict as read.
 *
 * The checker must not become a way into the network the product runs in: unless private
 * addresses are allowed (development and tests), the address is checked by the resolver the
 * socket itself uses (the webhooks' public-only lookup), so the address judged is the one
 * connected to. Only HEAD (or GET when HEAD is refused) is sent, no body is read.
 */
import { isIP } from 'node:net';
import { LRUCache } from 'lru-cache';
import { Agent, request } from 'undici';
import { publicOnlyLookup } from '../webhooks/send';
import { listedIn, operatorBlocklist, type Blocklist } from './blocklist';
import { misleadingText, normalise } from './link-text';

/** Redirects followed at most. */
export const MAX_HOPS = 5;

/** What the checker found of one link. */
export interface LinkVerdict {
  url: string;
  finalUrl: string;
  /** Every address visited after the first, in order. */
  hops: string[];
  verdict: 'ok' | 'blocked' | 'unreachable';
  reason?: string;
}

/** How the checker works. */
export interface LinkCheckOptions {
  /** Whether loopback and private addresses may be reached (development and tests only). */
  allowPrivate: boolean;
  /** Hosts (and their subdomains) no link may lead to. */
  blocklist: readonly string[];
  /** A file of more (see src/campaigns/blocklist.ts), read again when it changes. */
  blocklistFile?: string;
  /** A tenant's own deny list (src/campaigns/deny-list.ts). */
  denyList?: (tenantId: string) => Promise<Blocklist>;
  timeoutMs?: number;
  /** How long a verdict is trusted. */
  ttlMs?: number;
}

/** The link checker. */
export type LinkChecker = ReturnType<typeof createLinkChecker>;

/** Creates a checker. */
export function createLinkChecker(options: LinkCheckOptions) {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const operator = operatorBlocklist({ hosts: options.blocklist, file: options.blocklistFile });
  const cache = new LRUCache<string, LinkVerdict>({ max: 10_000, ttl: options.ttlMs ?? 3_600_000 });
  const agent = new Agent({
    connect: options.allowPrivate ? {} : { lookup: publicOnlyLookup },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  /** Why the address may not be visited at all, if it may not. */
  function refusal(url: URL, blocklist: Blocklist): string | undefined {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return `${url.protocol.replace(':', '')} links are not allowed`;
    const host = normalise(url.hostname.replace(/^\[(.*)\]$/, '$1'));
    if (isIP(host)) return `${host} is an IP address, not a host name`;
    const listed = listedIn(blocklist, url);
    if (listed) return `${host} is on the blocklist (${listed})`;
    return undefined;
  }

  /** The verdict with the tenant's deny list applied to each address it went through. */
  function withDenyList(verdict: LinkVerdict, deny: Blocklist | undefined): LinkVerdict {
    if (!deny || verdict.verdict === 'blocked') return verdict;
    for (const address of [verdict.url, ...verdict.hops]) {
      const url = new URL(address);
      const listed = listedIn(deny, url);
      if (listed)
        return {
          ...verdict,
          finalUrl: address,
          hops: verdict.hops.slice(0, verdict.hops.indexOf(address) + 1),
          verdict: 'blocked',
          reason: `${normalise(url.hostname)} is on the tenant's deny list (${listed})`,
        };
    }
    return verdict;
  }

  /** One request to `url`: its status and where it redirects, or why there was none. */
  async function visit(
    url: URL,
  ): Promise<{ status: number; location?: string } | { error: string }> {
    for (const method of ['HEAD', 'GET'] as const) {
      try {
        const res = await request(url, {
          method,
          dispatcher: agent,
          signal: AbortSignal.timeout(timeoutMs),
          headers: { 'user-agent': 'Consentflow link check' },
        });
        // The body is never needed: discarded (undici reads at most a little, then closes).
        await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
        if (method === 'HEAD' && (res.statusCode === 405 || res.statusCode === 501)) continue;
        const location = res.headers.location;
        return {
          status: res.statusCode,
          ...(typeof location === 'string' ? { location } : {}),
        };
      } catch (err) {
        const chain: unknown[] = [];
        for (let e: unknown = err; e && chain.length < 5; e = (e as { cause?: unknown }).cause)
          chain.push(e);
        if (chain.some((e) => (e as { code?: string }).code === 'ERR_WEBHOOK_ADDRESS_REFUSED'))
          return { error: 'refused: it resolves to a non-public address' };
        const code = chain
          .map((e) => (e as { code?: string }).code)
          .find((c) => typeof c === 'string');
        return { error: code ? `no answer (${code})` : 'no answer' };
      }
    }
    return { error: 'no answer' };
  }

  async function checkOne(
    url: string,
    blocklist: Blocklist,
    version: number,
  ): Promise<LinkVerdict> {
    const key = `${version} ${url}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const hops: string[] = [];
    let current = new URL(url);
    let verdict: LinkVerdict;
    for (;;) {
      const refused = refusal(current, blocklist);
      if (refused) {
        verdict = { url, finalUrl: current.href, hops, verdict: 'blocked', reason: refused };
        break;
      }
      const answer = await visit(current);
      if ('error' in answer) {
        const blocked = answer.error.startsWith('refused');
        verdict = {
          url,
          finalUrl: current.href,
          hops,
          verdict: blocked ? 'blocked' : 'unreachable',
          reason: answer.error,
        };
        break;
      }
      if (answer.status >= 300 && answer.status < 400 && answer.location) {
        if (hops.length >= MAX_HOPS) {
          verdict = {
            url,
            finalUrl: current.href,
            hops,
            verdict: 'unreachable',
            reason: `more than ${MAX_HOPS} redirects`,
          };
          break;
        }
        current = new URL(answer.location, current);
        hops.push(current.href);
        continue;
      }
      verdict =
        answer.status < 400
          ? { url, finalUrl: current.href, hops, verdict: 'ok' }
          : {
              url,
              finalUrl: current.href,
              hops,
              verdict: 'unreachable',
              reason: `answered ${answer.status}`,
            };
      break;
    }
    cache.set(key, verdict);
    return verdict;
  }

  return {
    /**
     * Checks each link (its text too, when it has one), a few at a time; verdicts in order.
     * A link whose text misleads is blocked whatever its target does. With a tenant, its own
     * deny list applies too.
     */
    async check(
      links: readonly { url: string; text?: string }[],
      scope: { tenantId?: string } = {},
    ): Promise<LinkVerdict[]> {
      const { list, version } = await operator.current();
      const deny =
        scope.tenantId && options.denyList ? await options.denyList(scope.tenantId) : undefined;
      const verdicts: LinkVerdict[] = new Array(links.length);
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(8, links.length) }, async () => {
          while (next < links.length) {
            const i = next++;
            const { url, text } = links[i]!;
            const misleading = text ? misleadingText(url, text) : undefined;
            verdicts[i] = misleading
              ? { url, finalUrl: url, hops: [], verdict: 'blocked', reason: misleading }
              : withDenyList(await checkOne(url, list, version), deny);
          }
        }),
      );
      return verdicts;
    },
    close: () => agent.close(),
  };
}
