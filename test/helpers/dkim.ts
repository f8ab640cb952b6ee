/**
 * DKIM verification of received mail with mailauth, against the TXT record a tenant was told
 * to publish. Only DNS is stood in for (a resolver answering that one record); the message
 * is the raw source the SMTP sink received.
 */
import { dkimVerify } from 'mailauth/lib/dkim/verify';

/** A published DKIM record. */
export interface PublishedDkim {
  domain: string;
  selector: string;
  txt: string;
}

/** Verifies `raw`; returns the result for the signature of the published key. */
export async function verifyDkim(raw: string, published: PublishedDkim) {
  const name = `${published.selector}._domainkey.${published.domain}`;
  const resolver = async (query: string, type: string) => {
    if (type === 'TXT' && query === name) return [[published.txt]];
    throw Object.assign(new Error(`no ${type} record for ${query}`), { code: 'ENOTFOUND' });
  };
  const { results } = await dkimVerify(Buffer.from(raw), { resolver } as never);
  return results.find(
    (r: { signingDomain?: string; selector?: string }) =>
      r.signingDomain === published.domain && r.selector === published.selector,
  );
}
