/**
 * What a link's text claims: a text that reads as an address (`example.com`,
 * `https://www.example.com/x`) shows a domain, and a link that shows one domain while it points
 * at another misleads its reader (a phishing pattern the link checker blocks).
 */

/** A host name as compared: lower case, without a trailing dot. */
export const normalise = (host: string) => host.toLowerCase().replace(/\.$/, '');

/** Whether `host` is `domain` or one of its subdomains. */
export const within = (host: string, domain: string) =>
  host === domain || host.endsWith(`.${domain}`);

/**
 * The domain a link's text shows, when the text reads as an address (`example.com`,
 * `https://www.example.com/x`); undefined for any other text.
 */
export function shownDomain(text: string): string | undefined {
  const match = /^\s*(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[/:?#]\S*)?\s*$/i.exec(text);
  return match ? normalise(match[1]!) : undefined;
}

/** Why a link's text misleads about where it points, if it does. */
export function misleadingText(url: string, text: string): string | undefined {
  const shown = shownDomain(text);
  if (!shown) return undefined;
  const host = normalise(new URL(url).hostname);
  const bare = (h: string) => h.replace(/^www\./, '');
  if (within(bare(host), bare(shown)) || within(bare(shown), bare(host))) return undefined;
  return `the link's text shows ${shown} but it points at ${host}`;
}
