/**
 * Per-tenant DKIM keys: an RSA 2048 key pair generated on first need (provisioning, the
 * first send, or `GET /api/v1/dkim`), idempotently: concurrent first uses race on the
 * tenant's `_id` and the loser reads the winner's key. The private key is encrypted under
 * the tenant's data key; the DNS TXT record is derived from the public key.
 */
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { DataLayer } from '../db/open';
import { isDuplicateKey } from '../db/duplicate-key';

const generate = promisify(generateKeyPair);
/** Keys are cached briefly: a shredded tenant stops signing within this time. */
const CACHE_MS = 60_000;

/** What signs a tenant's mail and what the tenant publishes in DNS. */
export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: string;
  /** The TXT record value for `<selector>._domainkey.<domain>`. */
  txt: string;
}

/** The DKIM key store. */
export type DkimKeys = ReturnType<typeof createDkimKeys>;

/**
 * The selector of a tenant's key. Tenants share the platform's sending domain by default,
 * so each gets its own selector (tenant ids are lowercase letters and digits, valid in DNS).
 */
export const dkimSelector = (tenantId: string) => `cf${tenantId}`;

/** The TXT record for a PEM public key. */
export function dkimTxtRecord(publicKeyPem: string): string {
  const der = publicKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return `v=DKIM1; k=rsa; p=${der}`;
}

/** A new RSA 2048 key pair (PEM): the tenant's key, and each of its sending domains' keys. */
export const generateDkimKeyPair = () =>
  generate('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

/** Creates the store over the data layer; `domain` is the sending domain (from MAIL_FROM). */
export function createDkimKeys(data: Pick<DataLayer, 'tenants' | 'encryption'>, domain: string) {
  const { DkimKey } = data.tenants.control;
  const cache = new Map<string, { key: Promise<DkimKey>; at: number }>();

  async function load(tenantId: string): Promise<DkimKey> {
    let doc = await DkimKey.findById(tenantId).lean();
    if (!doc) {
      const pair = await generateDkimKeyPair();
      try {
        await DkimKey.create({
          _id: tenantId,
          domain,
          selector: dkimSelector(tenantId),
          publicKey: pair.publicKey,
          privateKey: await data.encryption.encryptPrivate(pair.privateKey, tenantId),
          createdAt: new Date(),
        });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      doc = await DkimKey.findById(tenantId).lean();
      if (!doc) throw new Error('DKIM key vanished after creation');
    }
    if (typeof doc.privateKey !== 'string') throw new Error('DKIM key cannot be decrypted');
    return {
      domain: doc.domain,
      selector: doc.selector,
      privateKey: doc.privateKey,
      txt: dkimTxtRecord(doc.publicKey),
    };
  }

  return {
    /** The tenant's key, generated and stored on first use. */
    ensure(tenantId: string): Promise<DkimKey> {
      const hit = cache.get(tenantId);
      if (hit && Date.now() - hit.at < CACHE_MS) return hit.key;
      const key = load(tenantId);
      cache.set(tenantId, { key, at: Date.now() });
      key.catch(() => cache.delete(tenantId));
      return key;
    },
  };
}
