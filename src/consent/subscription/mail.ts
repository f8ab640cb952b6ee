/**
 * The confirmation mail of a request and its reminder: the message, its links (confirm until
 * the request's deadline; unsubscribe and profile center standing) and its idempotency key,
 * which is the request's (its id and time) and the step, so the same request's mail is sent
 * once however often it is queued or retried, while a later request of the same address gets
 * its own.
 */
import type { TenantMessage } from '../../mail/mailer';
import { confirmationMail } from '../double-opt-in-settings';
import type { RecipientLinks } from '../recipient-links';
import type { SubscribeList } from './ids';

/** The send keys of a request all start with this. */
export const sendKeyPrefix = (subscriptionId: string) => `doi:${subscriptionId}:`;

/** The send key of a request's mail. */
export const sendKeyOf = (
  subscriptionId: string,
  requestedAt: Date,
  step: 'confirmation' | 'reminder',
) => `${sendKeyPrefix(subscriptionId)}${requestedAt.getTime()}:${step}`;

/** What a request's mail is built from. */
export interface RequestMail {
  tenantId: string;
  list: SubscribeList;
  subscriptionId: string;
  contactId: string;
  requestedAt: Date;
  expiresAt: Date;
  step: 'confirmation' | 'reminder';
  /** The recipient's address, decrypted. */
  to: string;
}

/** The message of a request's confirmation mail (or reminder). */
export async function requestMessage(
  links: RecipientLinks,
  r: RequestMail,
): Promise<Omit<TenantMessage, 'tenantId'>> {
  const [confirm, unsubscribeUrl, profileUrl] = await Promise.all([
    links.action(
      {
        tenantId: r.tenantId,
        purpose: 'confirm',
        contactId: r.contactId,
        listId: r.list._id,
        ref: r.subscriptionId,
      },
      r.expiresAt,
    ),
    links.unsubscribe(r.tenantId, r.contactId, r.list._id),
    links.profile(r.tenantId, r.contactId),
  ]);
  return {
    sendKey: sendKeyOf(r.subscriptionId, r.requestedAt, r.step),
    to: r.to,
    ...confirmationMail(r.list.name, r.list.doubleOptIn, confirm, r.step === 'reminder'),
    listId: r.list._id,
    unsubscribeUrl,
    profileUrl,
  };
}
