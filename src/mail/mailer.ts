/**
 * Sends a tenant's mail: DKIM-signed with the tenant's key, with `List-Unsubscribe` (https)
 * and RFC 8058 one-click `List-Unsubscribe-Post`, and a footer linking the profile center and
 * the unsubscribe page. No mailto unsubscribe: nothing reads a mailbox, and an objection sent
 * to an address nobody reads would be lost. Sending is idempotent per key (a workflow step, a
 * double opt-in request and step): the key is
 * claimed in the tenant's `sends` before the relay gets the message and marked sent after;
 * a retry of a step already sent sends nothing, and a retry after a crash between relay and
 * mark re-sends with the same Message-ID, which receivers use to drop duplicates.
 */
import { createHash } from 'node:crypto';
import escapeHtml from 'escape-html';
import type { TenantAccess } from '../db/tenant-access';
import type { DkimKey, DkimKeys } from './dkim-keys';
import type { SendingDomains } from './sending-domains';
import type { MailTransport } from './transport';
import { bulkWriteBatched } from '../db/bulk-write';
import { isDuplicateKey } from '../db/duplicate-key';
import { readableStatuses, type TenantStatus } from '../db/models/tenant';

/** Headers DKIM covers: nodemailer's defaults plus the one-click header (RFC 8058 §3.1). */
const SIGNED_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:' +
  'Content-Transfer-Encoding:List-Id:List-Unsubscribe:List-Unsubscribe-Post';

/**
 * The header bounce (RFC 3464) and complaint (RFC 5965) reports quote with the original's
 * headers: it names the message (src/campaigns/feedback.ts).
 */
export const FEEDBACK_HEADER = 'X-Consentflow-Feedback';

/** A message of a tenant to one recipient. */
export interface TenantMessage {
  tenantId: string;
  /** Idempotency key: `<workflowId>/<runId>:<step>`; never personal data. */
  sendKey: string;
  to: string;
  subject: string;
  text: string;
  /** HTML body; a plain-text rendering of `text` when absent. */
  html?: string;
  /**
   * One-click unsubscribe URL (`/u/:token`) and profile center URL (`/p/:token`); absent only
   * for a transactional message that belongs to no list (a rights request's verification, a
   * reminder to staff), which then carries no list footer or headers.
   */
  unsubscribeUrl?: string;
  profileUrl?: string;
  /** Opaque list id for the `List-Id` header. */
  listId?: string;
  /** The sender's postal address, shown in a marketing message's footer. */
  postalAddress?: string;
  /** A signed token naming the message, for bounce and complaint reports (recipient-links.ts). */
  feedbackToken?: string;
}

/** The mail sender. */
export type Mailer = ReturnType<typeof createMailer>;

/** Creates the sender. */
export function createMailer(deps: {
  transport: MailTransport;
  dkim: DkimKeys;
  /** The tenants' own domains; absent: every message is sent from the platform's. */
  sendingDomains?: Pick<SendingDomains, 'signingKey'>;
  tenants: TenantAccess;
  from: string;
}) {
  /** MAIL_FROM moved to another domain: the same name and local part, at the tenant's. */
  const fromAt = (domain: string) => deps.from.replace(/@[^@\s>]+(>?)$/, `@${domain}$1`);

  const requireSendingDomains = () => {
    if (!deps.sendingDomains) throw new Error('this mailer has no sending domains');
    return deps.sendingDomains;
  };

  /** The stable Message-ID of a key: a re-sent message is recognisably the same. */
  const messageIdOf = (tenantId: string, sendKey: string, domain: string) =>
    `<${createHash('sha256').update(`${tenantId}/${sendKey}`).digest('hex').slice(0, 32)}@${domain}>`;

  /** Hands one message, signed, to the relay. */
  const relay = (message: TenantMessage, key: DkimKey & { own?: boolean }, messageId: string) => {
    const listed = message.unsubscribeUrl !== undefined && message.profileUrl !== undefined;
    const address = listed && message.postalAddress ? message.postalAddress : undefined;
    const footerText = listed
      ? `\n\n--\n${address ? `${address}\n` : ''}Manage your subscriptions: ${message.profileUrl}\nUnsubscribe: ${message.unsubscribeUrl}\n`
      : '';
    const html =
      message.html ??
      `<p>${escapeHtml(message.text)
        .replace(/\n{2,}/g, '</p><p>')
        .replace(/\n/g, '<br>')}</p>`;
    const footerHtml = listed
      ? `<hr><p style="font-size:small">${address ? `${escapeHtml(address).replace(/\n/g, '<br>')}<br>` : ''}<a href="${escapeHtml(message.profileUrl!)}">Manage your subscriptions</a> · <a href="${escapeHtml(message.unsubscribeUrl!)}">Unsubscribe</a></p>`
      : '';
    return deps.transport.sendMail({
      from: key.own ? fromAt(key.domain) : deps.from,
      to: message.to,
      subject: message.subject,
      text: message.text + footerText,
      // Inside the body of a whole document (a compiled MJML template), else after the HTML.
      html: /<\/body>/i.test(html)
        ? html.replace(/<\/body>/i, `${footerHtml}</body>`)
        : html + footerHtml,
      messageId,
      headers: {
        ...(listed
          ? {
              'List-Unsubscribe': `<${message.unsubscribeUrl}>`,
              'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            }
          : {}),
        ...(message.listId
          ? { 'List-Id': `<${message.listId}.${message.tenantId}.${key.domain}>` }
          : {}),
        ...(message.feedbackToken ? { [FEEDBACK_HEADER]: message.feedbackToken } : {}),
      },
      dkim: {
        domainName: key.domain,
        keySelector: key.selector,
        privateKey: key.privateKey,
        headerFieldNames: SIGNED_HEADERS,
      },
    });
  };

  /**
   * Claims the keys of one tenant's messages in one write, hands the messages not sent before
   * to the relay side by side (the transport's pool bounds how many) and marks those relayed
   * in one write. A message the relay refused stays claimed and unsent; its error is returned.
   */
  async function deliver(
    tenantId: string,
    messages: Omit<TenantMessage, 'tenantId'>[],
    statuses?: TenantStatus[],
    sendingDomainId?: string,
  ) {
    const tenant = await deps.tenants.forTenant(tenantId, statuses);
    // A tenant's own domain signs (d= it) and is the From's only while verified.
    const key: DkimKey & { own?: boolean } = sendingDomainId
      ? {
          ...(await requireSendingDomains().signingKey(tenantId, sendingDomainId)),
          own: true,
        }
      : await deps.dkim.ensure(tenantId);
    const { Send } = tenant.models;
    const claimedAt = new Date();
    const ids = messages.map((m) => messageIdOf(tenantId, m.sendKey, key.domain));
    let claimedBefore = false;
    try {
      await Send.insertMany(
        messages.map((m, i) => ({
          _id: m.sendKey,
          messageId: ids[i],
          status: 'sending',
          claimedAt,
        })),
        { ordered: false },
      );
    } catch (err) {
      // Claims of an earlier attempt are there already: only those marked sent are done.
      if (!isDuplicateKey(err)) throw err;
      claimedBefore = true;
    }
    const sent = new Set(
      claimedBefore
        ? (
            await Send.find(
              { _id: { $in: messages.map((m) => m.sendKey) }, status: 'sent' },
              { _id: 1 },
            ).lean()
          ).map((d) => d._id)
        : [],
    );
    const errors: unknown[] = [];
    const outcomes = await Promise.all(
      messages.map(async (m, i): Promise<'sent' | 'already-sent' | 'failed'> => {
        if (sent.has(m.sendKey)) return 'already-sent';
        try {
          await relay({ ...m, tenantId }, key, ids[i]!);
          return 'sent';
        } catch (err) {
          errors.push(err);
          return 'failed';
        }
      }),
    );
    const relayed = messages.filter((_, i) => outcomes[i] === 'sent').map((m) => m.sendKey);
    // One update per key: a filter on one `_id` reaches the index on every server (FerretDB's
    // SQLite backend scans the collection for an `$in`). In commands of WRITE_BATCH updates:
    // FerretDB never answers one of 100 or more, and stalls every other client meanwhile.
    const sentAt = new Date();
    await bulkWriteBatched(
      Send,
      relayed.map((id) => ({
        updateOne: { filter: { _id: id }, update: { $set: { status: 'sent', sentAt } } },
      })),
    );
    return { outcomes, errors };
  }

  return {
    /** Sends unless this key was sent before; returns what happened, or throws the relay's error. */
    async sendOnce(message: TenantMessage): Promise<'sent' | 'already-sent'> {
      const { tenantId, ...rest } = message;
      const { outcomes, errors } = await deliver(tenantId, [rest]);
      if (errors.length > 0) throw errors[0];
      return outcomes[0] as 'sent' | 'already-sent';
    },

    /** Sends a batch of one tenant's messages (see `deliver`); each message's outcome, in order. */
    async sendBatch(
      tenantId: string,
      messages: Omit<TenantMessage, 'tenantId'>[],
      /** One of the tenant's verified sending domains, to send from instead of the platform's. */
      options: { sendingDomainId?: string } = {},
    ): Promise<('sent' | 'already-sent' | 'failed')[]> {
      if (messages.length === 0) return [];
      return (await deliver(tenantId, messages, undefined, options.sendingDomainId)).outcomes;
    },

    /**
     * Sends the platform's notices to a tenant's own staff (its contract's end, say): like
     * `sendBatch`, and also while the tenant is frozen, when its export window makes them
     * matter most. Never for mail to recipients, which a frozen tenant does not send.
     */
    async sendStaffNotices(
      tenantId: string,
      messages: Omit<TenantMessage, 'tenantId' | 'unsubscribeUrl' | 'profileUrl' | 'listId'>[],
    ): Promise<('sent' | 'already-sent' | 'failed')[]> {
      if (messages.length === 0) return [];
      return (await deliver(tenantId, messages, readableStatuses)).outcomes;
    },
  };
}
