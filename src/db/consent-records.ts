/**
 * Consent records: every write of the append-only consent proof (src/db/models/consent-record.ts),
 * one function per kind of event, and the erasures that are its only exceptions. Each record's
 * `_id` is derived from what makes the event unique (the request and its time, the workflow
 * run and step, the import line), so a replay or a retried step writes nothing twice; the ids
 * are part of the stored data and never change. IP, user agent and source detail are stored
 * encrypted: a function given them in plain (a `LinkUse`, a stored request read decrypted)
 * encrypts them itself, the others take ciphertext.
 */
import type { Binary } from 'mongodb';
import type { LinkUse, RequestProof } from '../../workflows/definitions';
import { insertBatched } from './bulk-write';
import { isDuplicateKey } from './duplicate-key';
import type { MemberRef } from './memberships';
import type { ConsentRecordDocument } from './models/consent-record';
import type { SubscriptionDocument } from './models/subscription';
import type { TenantScope } from './tenant-access';

/** The ids of the records of each kind. */
export const consentRecordIds = {
  /** One per subscription request. */
  requested: (subscriptionId: string, requestedAt: Date) =>
    `${requestedPrefix(subscriptionId)}${requestedAt.getTime()}`,
  /**
   * One per request (`key`: `r<request time>`; records of earlier versions have
   * `<workflowId>/<runId>`).
   */
  confirmed: (subscriptionId: string, key: string) => `${subscriptionId}:confirmed:${key}`,
  /** One per renewal or re-permission run. */
  renewed: ({ contactId, listId }: MemberRef, key: string) =>
    `${contactId}:${listId}:renewed:${key}`,
  /** One per withdrawal, by its time. */
  withdrawn: ({ contactId, listId }: MemberRef, at: Date) =>
    `${contactId}:${listId}:withdrawn:${at.getTime()}`,
  /** One per lapse (`key`: the workflow run and step). */
  expired: ({ contactId, listId }: MemberRef, key: string) =>
    `${contactId}:${listId}:expired:${key}`,
  /** One per import line. */
  imported: (importId: string, line: number) => `${importId}:${line}`,
};

const requestedPrefix = (subscriptionId: string) => `${subscriptionId}:requested:`;

/** A link use whose IP and user agent may be encrypted already (a stored click). */
export type RecordedUse = Omit<LinkUse, 'ip' | 'userAgent'> & {
  ip?: string | Binary;
  userAgent?: string | Binary;
};

/** Encrypts what a link use recorded (IP, user agent) under the tenant's key, unless it is. */
async function encryptLinkUse(tenant: TenantScope, use: RecordedUse) {
  const seal = (value: string | Binary) =>
    typeof value === 'string' ? tenant.private(value) : value;
  return {
    ...(use.ip ? { ip: await seal(use.ip) } : {}),
    ...(use.userAgent ? { userAgent: await seal(use.userAgent) } : {}),
  };
}

/** Lets a duplicate-key error pass as false (the record is there), rethrows anything else. */
function unlessDuplicate(err: unknown): false {
  if (!isDuplicateKey(err)) throw err;
  return false;
}

/** A subscription request's proof, its personal values already encrypted. */
export interface RequestedRecord extends MemberRef {
  subscriptionId: string;
  at: Date;
  ip?: Binary;
  userAgent?: Binary;
  source: { kind: 'form' | 'api' | 'import' | 'automation'; id: string; detail?: Binary };
  textVersion: string;
  textHash: string;
}

/** Appends a request's `requested` record; false when it is there already. */
export async function recordRequested(tenant: TenantScope, r: RequestedRecord): Promise<boolean> {
  return tenant.models.ConsentRecord.create({
    _id: consentRecordIds.requested(r.subscriptionId, r.at),
    contactId: r.contactId,
    listId: r.listId,
    action: 'requested',
    at: r.at,
    ...(r.ip ? { ip: r.ip } : {}),
    ...(r.userAgent ? { userAgent: r.userAgent } : {}),
    source: r.source,
    textVersion: r.textVersion,
    textHash: r.textHash,
  }).then(() => true, unlessDuplicate);
}

/** A stored pending request, as read (decrypted). */
export type StoredRequest = Pick<
  SubscriptionDocument,
  | '_id'
  | 'contactId'
  | 'listId'
  | 'requestedAt'
  | 'source'
  | 'textVersion'
  | 'textHash'
  | 'ip'
  | 'userAgent'
>;

/**
 * Writes the `requested` record of a stored pending request unless it exists, from what the
 * request stored (read decrypted, so encrypted again here).
 */
export async function ensureRequested(tenant: TenantScope, stored: StoredRequest): Promise<void> {
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const [ip, userAgent, detail] = await Promise.all(
    [text(stored.ip), text(stored.userAgent), text(stored.source.detail)].map((value) =>
      value ? tenant.private(value) : undefined,
    ),
  );
  await tenant.models.ConsentRecord.updateOne(
    { _id: consentRecordIds.requested(stored._id, stored.requestedAt) },
    {
      $setOnInsert: {
        contactId: stored.contactId,
        listId: stored.listId,
        action: 'requested',
        at: stored.requestedAt,
        ...(ip ? { ip } : {}),
        ...(userAgent ? { userAgent } : {}),
        source: { kind: stored.source.kind, id: stored.source.id, ...(detail ? { detail } : {}) },
        textVersion: stored.textVersion,
        textHash: stored.textHash,
      },
    },
    { upsert: true },
  ).catch(unlessDuplicate); // a concurrent write of the same record came first
}

/** Deletes the `requested` record of a request made at `requestedAt` that is taken back. */
export async function takeBackRequested(
  tenant: TenantScope,
  subscriptionId: string,
  requestedAt: Date,
): Promise<void> {
  await tenant.models.ConsentRecord.deleteOne({
    _id: consentRecordIds.requested(subscriptionId, requestedAt),
  });
}

/**
 * Appends the `confirmed` record of a double opt-in run (`key`); false when an earlier attempt
 * appended it. It names the request's source by its opaque id: the request's own record keeps
 * what only it knows (its IP, user agent and free-text source).
 */
export async function recordConfirmed(
  tenant: TenantScope,
  c: MemberRef & { subscriptionId: string; key: string; use: RecordedUse; proof: RequestProof },
): Promise<boolean> {
  return tenant.models.ConsentRecord.create({
    _id: consentRecordIds.confirmed(c.subscriptionId, c.key),
    contactId: c.contactId,
    listId: c.listId,
    action: 'confirmed',
    at: new Date(c.use.at),
    ...(await encryptLinkUse(tenant, c.use)),
    source: { kind: c.proof.sourceKind, id: c.proof.sourceId },
    textVersion: c.proof.textVersion,
    textHash: c.proof.textHash,
  }).then(() => true, unlessDuplicate);
}

/**
 * Appends the `renewed` record of a renewal (`renewal` link) or re-permission (keep-me link)
 * run (`key`); false when an earlier attempt appended it.
 */
export async function recordRenewed(
  tenant: TenantScope,
  ref: MemberRef,
  r: { key: string; use: LinkUse; via: 'renewal' | 're-permission' },
): Promise<boolean> {
  return tenant.models.ConsentRecord.create({
    _id: consentRecordIds.renewed(ref, r.key),
    contactId: ref.contactId,
    listId: ref.listId,
    action: 'renewed',
    at: new Date(r.use.at),
    ...(await encryptLinkUse(tenant, r.use)),
    source: { kind: 'link', id: r.via },
  }).then(() => true, unlessDuplicate);
}

/** Appends the `withdrawn` record of an unsubscribe link's use. */
export async function recordWithdrawn(
  tenant: TenantScope,
  ref: MemberRef,
  use: LinkUse,
): Promise<void> {
  const at = new Date(use.at);
  await tenant.models.ConsentRecord.create({
    _id: consentRecordIds.withdrawn(ref, at),
    contactId: ref.contactId,
    listId: ref.listId,
    action: 'withdrawn',
    at,
    ...(await encryptLinkUse(tenant, use)),
    source: { kind: 'link', id: 'unsubscribe' },
  });
}

/**
 * Appends, unless there, the `expired` record of a membership the list's policy ended
 * (`key`: the run and step); the source names the policy.
 */
export async function recordExpired(
  tenant: TenantScope,
  ref: MemberRef,
  e: { key: string; at: Date; reason: 'expired' | 'inactive' },
): Promise<void> {
  await tenant.models.ConsentRecord.updateOne(
    { _id: consentRecordIds.expired(ref, e.key) },
    {
      $setOnInsert: {
        contactId: ref.contactId,
        listId: ref.listId,
        action: 'expired', // the policy ended it; the source says which
        at: e.at,
        source: {
          kind: 'policy',
          id: e.reason === 'expired' ? 'consent-policy' : 'inactivity-policy',
        },
      },
    },
    { upsert: true },
  );
}

/**
 * The `confirmed` record of an import line with existing consent (pure; written by
 * `insertImported`), its IP and source detail already encrypted.
 */
export const importedRecord = (i: {
  importId: string;
  line: number;
  contactId: string;
  listId: string;
  at: Date;
  ip?: Binary;
  detail?: Binary;
}): ConsentRecordDocument => ({
  _id: consentRecordIds.imported(i.importId, i.line),
  contactId: i.contactId,
  listId: i.listId,
  action: 'confirmed',
  at: i.at,
  ...(i.ip ? { ip: i.ip } : {}),
  source: { kind: 'import', id: i.importId, ...(i.detail ? { detail: i.detail } : {}) },
});

/** Inserts imported records in bulk; those already there (a replayed batch) are skipped. */
export async function insertImported(
  tenant: TenantScope,
  records: ConsentRecordDocument[],
): Promise<void> {
  await insertBatched(tenant.models.ConsentRecord, records as unknown as Record<string, unknown>[]);
}

/**
 * Anonymizes a membership's records: they stay as history under `pseudonym`, without IP,
 * user agent or source detail.
 */
export async function anonymizeRecords(
  tenant: TenantScope,
  { contactId, listId }: MemberRef,
  pseudonym: string,
): Promise<void> {
  await tenant.models.ConsentRecord.updateMany(
    { contactId, listId },
    { $set: { contactId: pseudonym }, $unset: { ip: 1, userAgent: 1, 'source.detail': 1 } },
  );
}

/** Deletes every record of a membership. */
export async function deleteRecords(
  tenant: TenantScope,
  { contactId, listId }: MemberRef,
): Promise<void> {
  await tenant.models.ConsentRecord.deleteMany({ contactId, listId });
}

/**
 * Deletes the records of one unconfirmed request (its `requested` record and a withdrawal from
 * its mail): those from its `requestedAt` up to `until`, or, when the request's time is not
 * known, its `requested` records. Proof of an earlier, confirmed period stays.
 */
export async function deleteRequestRecords(
  tenant: TenantScope,
  { contactId, listId }: MemberRef,
  r: { subscriptionId: string; requestedAt?: Date; until: Date },
): Promise<void> {
  await tenant.models.ConsentRecord.deleteMany({
    contactId,
    listId,
    ...(r.requestedAt
      ? { at: { $gte: r.requestedAt, $lte: r.until } }
      : { _id: { $regex: `^${requestedPrefix(r.subscriptionId)}` } }),
  });
}
