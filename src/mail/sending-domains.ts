/**
 * A tenant's own sending domains. Adding one generates its DKIM key pair (the private key
 * encrypted under the tenant's data key) and a fresh selector, so a record published for a
 * deleted and re-added domain never verifies the new key; verifying looks the record up
 * through the configured resolver. Only a verified domain signs mail (`signingKey`).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DataLayer } from '../db/open';
import type { SendingDomainDocument } from '../db/models/sending-domain';
import { isDuplicateKey } from '../db/duplicate-key';
import { AppError, conflict, notFound } from '../errors';
import { dkimTxtRecord, generateDkimKeyPair, type DkimKey } from './dkim-keys';
import { judgeDkimRecords } from './dkim-record';
import type { TxtLookup } from './dns-txt';

/** A sending domain as the api shows it. */
export interface SendingDomainView {
  id: string;
  domain: string;
  selector: string;
  /** Where to publish the record: `<selector>._domainkey.<domain>`. */
  name: string;
  txt: string;
  status: 'pending' | 'verified';
  createdAt: Date;
  verifiedAt: Date | null;
}

/** The sending domain store. */
export type SendingDomains = ReturnType<typeof createSendingDomains>;

/** The id of a tenant's domain: adding it twice collides on the `_id`. */
export const sendingDomainId = (tenantId: string, domain: string) =>
  `sd${createHash('sha256').update(`${tenantId}:${domain}`).digest('hex').slice(0, 24)}`;

const view = (doc: Omit<SendingDomainDocument, 'privateKey'>): SendingDomainView => ({
  id: doc._id,
  domain: doc.domain,
  selector: doc.selector,
  name: `${doc.selector}._domainkey.${doc.domain}`,
  txt: dkimTxtRecord(doc.publicKey),
  status: doc.status,
  createdAt: doc.createdAt,
  verifiedAt: doc.verifiedAt ?? null,
});

/** Refused use of a domain that is not (yet) verified. */
export const unverifiedDomain = () =>
  new AppError(
    'unprocessable',
    'sending_domain_unverified',
    'the sending domain is not verified: publish its DKIM record and verify it first',
  );

/** Creates the store over the data layer and a TXT lookup. */
export function createSendingDomains(
  data: Pick<DataLayer, 'tenants' | 'encryption'>,
  lookupTxt: TxtLookup,
) {
  const { SendingDomain } = data.tenants.control;

  /** The tenant's domain by id; another tenant's is as absent as an unknown one. */
  async function find(tenantId: string, id: string) {
    const doc = await SendingDomain.findById(id).lean();
    if (!doc || doc.tenantId !== tenantId) throw notFound('sending domain');
    return doc;
  }

  return {
    /** Adds a domain (lower-case, validated by the caller) with a new key pair. */
    async add(tenantId: string, domain: string): Promise<SendingDomainView> {
      const pair = await generateDkimKeyPair();
      const doc: SendingDomainDocument = {
        _id: sendingDomainId(tenantId, domain),
        tenantId,
        domain,
        selector: `cf${randomBytes(5).toString('hex')}`,
        publicKey: pair.publicKey,
        privateKey: await data.encryption.encryptPrivate(pair.privateKey, tenantId),
        status: 'pending',
        createdAt: new Date(),
      };
      try {
        await SendingDomain.create(doc);
      } catch (err) {
        if (isDuplicateKey(err))
          throw conflict('sending_domain_exists', 'this domain was added already');
        throw err;
      }
      return view(doc);
    },

    /** The tenant's domains, oldest first. */
    async list(tenantId: string): Promise<SendingDomainView[]> {
      // A full scan on FerretDB: few documents, read only by this route.
      const docs = await SendingDomain.find({ tenantId }, { privateKey: 0 })
        .sort({ createdAt: 1 })
        .lean();
      return docs.map(view);
    },

    /** One of the tenant's domains. */
    async get(tenantId: string, id: string): Promise<SendingDomainView> {
      return view(await find(tenantId, id));
    },

    /**
     * Looks the record up and marks the domain verified when one of the TXT records found
     * carries its key; refuses (422) when there is none or none matches, changing nothing.
     */
    async verify(tenantId: string, id: string): Promise<SendingDomainView> {
      const doc = await find(tenantId, id);
      const expected = dkimTxtRecord(doc.publicKey);
      let found: string[];
      try {
        found = await lookupTxt(`${doc.selector}._domainkey.${doc.domain}`);
      } catch {
        throw new AppError('unavailable', 'dns_unavailable', 'the DNS lookup failed; try again', {
          retryAfterS: 30,
        });
      }
      const verdict = judgeDkimRecords(found, expected);
      if (verdict === 'missing')
        throw new AppError(
          'unprocessable',
          'dkim_record_missing',
          `no DKIM record found at ${doc.selector}._domainkey.${doc.domain}`,
        );
      if (verdict === 'mismatch')
        throw new AppError(
          'unprocessable',
          'dkim_record_mismatch',
          `the DKIM record at ${doc.selector}._domainkey.${doc.domain} does not carry this domain's key`,
        );
      const verifiedAt = doc.verifiedAt ?? new Date();
      await SendingDomain.updateOne({ _id: id }, { $set: { status: 'verified', verifiedAt } });
      return view({ ...doc, status: 'verified', verifiedAt });
    },

    /** Deletes one of the tenant's domains and its key. */
    async remove(tenantId: string, id: string): Promise<void> {
      await find(tenantId, id);
      await SendingDomain.deleteOne({ _id: id });
    },

    /**
     * Refuses (422) to send from a domain that is not the tenant's or not verified: a
     * campaign names one at create and is checked again when its send starts.
     */
    async assertUsable(tenantId: string, id: string): Promise<void> {
      const doc = await SendingDomain.findById(id, { tenantId: 1, status: 1 }).lean();
      if (!doc || doc.tenantId !== tenantId)
        throw new AppError(
          'unprocessable',
          'sending_domain_unknown',
          'no such sending domain (POST /api/v1/sending-domains)',
        );
      if (doc.status !== 'verified') throw unverifiedDomain();
    },

    /** The key that signs mail from a verified domain; refuses an unverified or unknown one. */
    async signingKey(tenantId: string, id: string): Promise<DkimKey> {
      const doc = await find(tenantId, id);
      if (doc.status !== 'verified') throw unverifiedDomain();
      if (typeof doc.privateKey !== 'string') throw new Error('DKIM key cannot be decrypted');
      return {
        domain: doc.domain,
        selector: doc.selector,
        privateKey: doc.privateKey,
        txt: dkimTxtRecord(doc.publicKey),
      };
    },
  };
}
