/**
 * The public shape of contacts and consent records. Reads come back decrypted from the
 * shared client; a value still binary here could not be decrypted (its key is gone) and is
 * shown as null rather than as ciphertext.
 */
import type { ConsentRecordDocument } from '../../db/models/consent-record';
import type { ContactDocument } from '../../db/models/contact';

const text = (value: unknown) => (typeof value === 'string' ? value : null);

/** A contact as the API shows it. */
export function presentContact(contact: ContactDocument, visibleLists?: Set<string>) {
  const custom = Object.fromEntries(
    Object.entries(contact.custom ?? {}).map(([k, v]) => [k, text(v)]),
  );
  return {
    id: contact._id,
    email: text(contact.email),
    phone: text(contact.phone),
    firstName: text(contact.firstName),
    lastName: text(contact.lastName),
    fields: custom,
    lists: Object.entries(contact.lists ?? {})
      .filter(([listId]) => !visibleLists || visibleLists.has(listId))
      .map(([listId, m]) => ({
        listId,
        status: m.status,
        subscribedAt: m.subscribedAt.toISOString(),
        confirmedAt: m.confirmedAt?.toISOString() ?? null,
        renewedAt: m.renewedAt?.toISOString() ?? null,
        unsubscribedAt: m.unsubscribedAt?.toISOString() ?? null,
      })),
    createdAt: contact.createdAt.toISOString(),
    updatedAt: contact.updatedAt.toISOString(),
  };
}

/** One consent record in a contact's timeline. */
export function presentConsent(record: ConsentRecordDocument) {
  return {
    listId: record.listId,
    action: record.action,
    at: record.at.toISOString(),
    ip: text(record.ip),
    userAgent: text(record.userAgent),
    source: { kind: record.source.kind, id: record.source.id, detail: text(record.source.detail) },
    textVersion: record.textVersion ?? null,
    textHash: record.textHash ?? null,
  };
}
