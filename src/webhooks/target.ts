/**
 * Where a webhook may point. Only http(s) URLs; and unless private addresses are allowed (a
 * development or test install), never a host that resolves to a loopback, private,
 * link-local, carrier-grade NAT, unspecified, multicast or otherwise reserved address, IPv4
 * or IPv6: a webhook must not become a way into the network the product runs in. ipaddr.js
 * names the range of an address; anything but a public unicast address is refused. The api
 * checks at creation; the sender checks again at every connection (DNS may answer
 * differently by then), see send.ts.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { invalid } from '../errors';

/** Whether an address (IPv4, IPv6, IPv4-mapped IPv6) is public unicast. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it maps.
  return ipaddr.process(address).range() === 'unicast';
}

/** The host of a URL as a resolver or `isIP` takes it (IPv6 literals without brackets). */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Thrown when a webhook URL is not allowed; the api answers 400. */
export const refusedUrl = (why: string) => invalid(`url: ${why}`, 'webhook_url_refused');

/** The URL, when it is http(s); throws the 400 otherwise. */
export function parseWebhookUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('url: not a valid URL', 'webhook_url_invalid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid('url: must be an http or https URL', 'webhook_url_invalid');
  return url;
}

/**
 * Checks a URL for a new webhook: http(s), and (unless `allowPrivate`) a host whose every
 * address is public. Throws the 400 otherwise.
 */
export async function assertWebhookTarget(
  value: string,
  options: { allowPrivate: boolean },
): Promise<URL> {
  const url = parseWebhookUrl(value);
  if (options.allowPrivate) return url;
  const host = hostOf(url);
  const addresses = isIP(host)
    ? [host]
    : await lookup(host, { all: true, verbatim: true }).then(
        (found) => found.map((a) => a.address),
        () => {
          throw refusedUrl('the host does not resolve');
        },
      );
  if (addresses.length === 0 || !addresses.every(isPublicAddress))
    throw refusedUrl('the host is not a public address');
  return url;
}
