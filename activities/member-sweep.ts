/**
 * What the consent renewal and inactivity activities share: sweeping a list's active members
 * page by page (resumable from the last heartbeat) and mailing an active member a link to act
 * on (renew, keep) in the workflow the sweep started for them (at most once per member and
 * occasion: `startOnce` of the workflow gateway). Contacts whose processing is restricted are
 * not visited.
 */
import { Context } from '@temporalio/activity';
import type { LinkPurpose } from '../src/consent/link-tokens';
import type { RecipientLinks } from '../src/consent/recipient-links';
import { activeOn, unrestricted } from '../src/db/memberships';
import type { TenantAccess, TenantScope } from '../src/db/tenant-access';
import type { Mailer } from '../src/mail/mailer';
import { runKey } from './run-key';

/** Contacts read per page of a sweep (one heartbeat each). */
const PAGE = 200;

/** One page of a list's active members after contact id `after`, in id order. */
function activeMemberPage<P extends Record<string, 1>>(
  tenant: TenantScope,
  listId: string,
  after: string,
  projection: P,
) {
  // A restricted contact is stored only: no mail, no lapse, no pruning until it is lifted.
  return tenant.models.Contact.find(
    { _id: { $gt: after }, ...activeOn(listId), ...unrestricted() },
    projection,
  )
    .sort({ _id: 1 })
    .limit(PAGE)
    .lean();
}

/** An active member as a sweep reads it: the projected fields `P` and the id. */
export type SweptMember<P extends Record<string, 1>> = Awaited<
  ReturnType<typeof activeMemberPage<P>>
>[number];

/**
 * Visits every active member of a list in contact id order. Heartbeats the last contact id of
 * each page and starts after the one in the heartbeat details, so a retried activity resumes
 * where the failed attempt got to instead of rereading the whole list. Call from an activity.
 */
export async function sweepActiveMembers<P extends Record<string, 1>>(
  tenant: TenantScope,
  listId: string,
  projection: P,
  visit: (contact: SweptMember<P>) => Promise<void>,
): Promise<void> {
  const ctx = Context.current();
  let after = (ctx.info.heartbeatDetails as { after?: string } | undefined)?.after ?? '';
  for (;;) {
    const page = await activeMemberPage(tenant, listId, after, projection);
    if (page.length === 0) break;
    for (const contact of page) await visit(contact);
    after = page[page.length - 1]!._id;
    ctx.heartbeat({ after });
  }
}

/** What a member action mail needs. */
export interface MemberMailDeps {
  tenants: TenantAccess;
  mailer: Mailer;
  links: RecipientLinks;
}

/** The member and list a mail is about; the link is valid until `expiresAt`. */
export interface MemberMailTarget {
  tenantId: string;
  listId: string;
  contactId: string;
  expiresAt: string;
}

/** The words of a member action mail; `step` ends its send key (one send per run and step). */
export interface MemberMail {
  step: string;
  subject: string;
  text: string;
}

/**
 * Mails an active member of a list a link to act on (`purpose`) in the running workflow;
 * 'skipped' when the contact is no longer an active member (or has no address) or the list is
 * gone. The link's ref is the workflow id's last part (the renewal cycle or inactivity
 * episode), so the click reaches this workflow. Call from the member's workflow activity.
 */
export async function sendMemberActionMail(
  { tenants, mailer, links }: MemberMailDeps,
  input: MemberMailTarget,
  purpose: LinkPurpose,
  compose: (listName: string, link: string) => MemberMail,
): Promise<'sent' | 'already-sent' | 'skipped'> {
  const tenant = await tenants.forTenant(input.tenantId);
  const [contact, list] = await Promise.all([
    tenant.models.Contact.findById(input.contactId, {
      email: 1,
      lists: 1,
      restrictedAt: 1,
      undeliverable: 1,
    }).lean(),
    tenant.models.List.findById(input.listId, { name: 1 }).lean(),
  ]);
  if (
    !list ||
    contact?.lists?.[input.listId]?.status !== 'active' ||
    contact.restrictedAt !== undefined || // restricted since the workflow began: no mail
    contact.undeliverable !== undefined || // bounced for good or complained: no mail either
    typeof contact.email !== 'string'
  )
    return 'skipped';
  const ref = Context.current().info.workflowExecution!.workflowId.split(':').pop()!;
  const link = await links.action(
    {
      tenantId: input.tenantId,
      purpose,
      contactId: input.contactId,
      listId: input.listId,
      ref,
    },
    new Date(input.expiresAt),
  );
  const mail = compose(list.name, link);
  return mailer.sendOnce({
    tenantId: input.tenantId,
    sendKey: `${runKey()}:${mail.step}`,
    to: contact.email,
    subject: mail.subject,
    text: mail.text,
    listId: input.listId,
    unsubscribeUrl: await links.unsubscribe(input.tenantId, input.contactId, input.listId),
    profileUrl: await links.profile(input.tenantId, input.contactId),
  });
}
