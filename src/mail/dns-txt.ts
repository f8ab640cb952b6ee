/**
 * TXT lookups for the sending domains' DKIM check, through the DNS servers the config names
 * (`CONSENTFLOW_DNS_SERVERS`), else the system's. A resolver of its own, so tests can point
 * it at a local server without changing what the rest of the process resolves.
 */
import { Resolver } from 'node:dns/promises';

/** Looks up the TXT records of a name: each record's strings joined; none when it has none. */
export type TxtLookup = (name: string) => Promise<string[]>;

/** DNS answers that mean "no such record" rather than "could not ask". */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME', 'NXDOMAIN']);

/** Creates the lookup; `servers` are `ip` or `ip:port` (node's `setServers` forms). */
export function createTxtLookup(servers: string[] | undefined): TxtLookup {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (servers && servers.length > 0) resolver.setServers(servers);
  return async (name) => {
    try {
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    } catch (err) {
      if (ABSENT.has((err as NodeJS.ErrnoException).code ?? '')) return [];
      throw err;
    }
  };
}
