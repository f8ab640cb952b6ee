/**
 * The steps of a rights request's workflow (workflows/rights-request.ts): opening it (mailing
 * the subject the verification link when identity is not yet vouched for), reading a moved
 * deadline (and telling the subject), executing it (src/rights/execute.ts) and mailing the
 * subject the archive link, rejecting it, and reminding the tenant's staff. Every mail is sent
 * once per request and step (its send key), and the subject's address is removed from the
 * request when it closes.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { MongoClient } from 'mongodb';
import { fieldsChangedEvent, type AutomationTriggers } from '../src/automations/triggers';
import type { RecipientLinks } from '../src/consent/recipient-links';
import type { RightsActor, RightsRequestDocument } from '../src/db/models/rights-request';
import type { DatabaseNames } from '../src/db/names';
import { readableStatuses } from '../src/db/models/tenant';
import type { TenantAccess, TenantScope } from '../src/db/tenant-access';
import type { Mailer } from '../src/mail/mailer';
import { reminderTimesOf, verificationEndsAt } from '../src/rights/deadlines';
import { executeRequest } from '../src/rights/execute';
import { rightsAskedFor } from '../src/rights/words';
import type { WorkflowGateway } from '../src/temporal/workflows';
import { emitWebhookEvent, type WebhookEmitDeps } from '../src/webhooks/emit';
import type { RightsRequestInput } from '../workflows/definitions';
import { activityFailures } from '../workflows/failures';

/** What the rights activities need. */
export interface RightsDeps {
  tenants: TenantAccess;
  mailer: Mailer;
  links: RecipientLinks;
  workflows: WorkflowGateway;
  mongo: MongoClient;
  names: DatabaseNames;
  /** Tells the tenant's webhooks of the request's states (opaque ids only). */
  webhooks: WebhookEmitDeps;
  /** Enters the subject into automations that start on a rights request, once it is verified. */
  automations: Pick<AutomationTriggers, 'contactEvent'>;
}

type Ref = Pick<RightsRequestInput, 'tenantId' | 'requestId'>;

const SYSTEM: RightsActor = { kind: 'system' };

/** Creates the rights activities. */
export function createRightsActivities(deps: RightsDeps) {
  const { tenants, mailer, links } = deps;

  /** The request with its (decrypted) address; a missing one fails the workflow for good. */
  async function load(tenant: TenantScope, requestId: string): Promise<RightsRequestDocument> {
    const request = await tenant.models.RightsRequest.findById(requestId).lean();
    if (!request)
      throw ApplicationFailure.nonRetryable(
        `rights request ${requestId} not found`,
        activityFailures.rightsRequestMissing,
      );
    return request as RightsRequestDocument;
  }

  /** Mails the subject, once per request and step; nothing when the address is not kept. */
  async function tellSubject(
    tenant: TenantScope,
    request: RightsRequestDocument,
    step: string,
    subject: string,
    text: string,
  ) {
    if (typeof request.email !== 'string') return;
    await mailer.sendOnce({
      tenantId: tenant.tenantId,
      sendKey: `rights:${request._id}:${step}`,
      to: request.email,
      subject,
      text,
    });
  }

  /** One event per request and state: a retried step tells the webhooks once. */
  const tell = (
    tenant: TenantScope,
    request: RightsRequestDocument,
    type: 'received' | 'verified' | 'completed' | 'rejected' | 'overdue',
  ) =>
    emitWebhookEvent(
      deps.webhooks,
      tenant,
      `rights_request.${type}`,
      { requestId: request._id, type: request.type },
      { key: `${request._id}:${type}` },
    );

  const evidence = (action: string, details?: Record<string, string | number | boolean>) => ({
    at: new Date(),
    action,
    by: SYSTEM,
    ...(details ? { details } : {}),
  });

  /**
   * The request's events for automations, once it is carried out: a request the subject
   * verified (an unverified one may not be theirs) and the fields a rectification changed.
   * An erasure enters nothing: the subject is gone. A retried execution tells again; entries
   * are once per contact by the automation's re-entry rule, and a duplicate field event only
   * wakes a wait that was waiting for it.
   */
  async function tellAutomations(tenant: TenantScope, request: RightsRequestDocument) {
    const { contactId } = request;
    if (!contactId || request.type === 'erasure') return;
    await deps.automations.contactEvent(tenant, contactId, {
      type: 'rights_request',
      requestType: request.type,
    });
    if (request.type === 'rectification' && typeof request.changes === 'string') {
      const changed = fieldsChangedEvent(JSON.parse(request.changes) as Record<string, never>);
      if (changed) await deps.automations.contactEvent(tenant, contactId, changed);
    }
  }

  return {
    /**
     * Opens the request: when identity is not vouched for, mails the subject the verification
     * link. What the workflow needs to know of its clock.
     */
    async openRightsRequest({ tenantId, requestId }: Ref) {
      const tenant = await tenants.forTenant(tenantId, readableStatuses);
      const request = await load(tenant, requestId);
      const verifyBy = verificationEndsAt(request.receivedAt);
      const verified = request.status !== 'verifying';
      await tell(tenant, request, 'received');
      if (!verified) {
        const link = await links.rightsRequest(
          'rights-verify',
          { tenantId, requestId, contactId: request.contactId },
          verifyBy,
        );
        await tellSubject(
          tenant,
          request,
          'verify',
          'Please confirm your request',
          `We received a request for ${rightsAskedFor[request.type]}.\n\nIf you made it, please confirm it with this link within ${Math.round((verifyBy.getTime() - request.receivedAt.getTime()) / 86_400_000)} days:\n${link}\n\nIf you did not, ignore this message: nothing will happen.`,
        );
      }
      return {
        verified,
        dueAt: request.dueAt.toISOString(),
        verifyBy: verifyBy.toISOString(),
        reminderTimes: reminderTimesOf(request.dueAt).map((t) => t.toISOString()),
      };
    },

    /** The request's current deadline (after an extension), the subject told of it. */
    async readRightsDeadline({ tenantId, requestId }: Ref) {
      const tenant = await tenants.forTenant(tenantId, readableStatuses);
      const request = await load(tenant, requestId);
      if (request.extendedMonths > 0)
        await tellSubject(
          tenant,
          request,
          `extended-${request.extendedMonths}`,
          'Your request will take longer',
          `We need more time to answer your request for ${rightsAskedFor[request.type]}. We will answer by ${request.dueAt.toISOString().slice(0, 10)}.\n\nThe reason: ${typeof request.extensionReason === 'string' ? request.extensionReason : ''}`,
        );
      return {
        dueAt: request.dueAt.toISOString(),
        reminderTimes: reminderTimesOf(request.dueAt).map((t) => t.toISOString()),
      };
    },

    /** Executes the verified request, tells the subject, and closes it with its result. */
    async executeRightsRequest({ tenantId, requestId }: Ref) {
      const tenant = await tenants.forTenant(tenantId, readableStatuses);
      const request = await load(tenant, requestId);
      if (request.status === 'completed')
        return { completedAt: (request.completedAt ?? new Date()).toISOString() };
      await tell(tenant, request, 'verified');
      const now = new Date();
      const { outcome, archive } = await executeRequest(deps, tenant, request, now);
      await tellAutomations(tenant, request);
      if (archive) {
        const link = await links.rightsRequest(
          'rights-export',
          { tenantId, requestId, contactId: request.contactId },
          archive.expiresAt,
        );
        await tellSubject(
          tenant,
          request,
          'archive',
          'Your data is ready',
          `The data we hold about you is ready to download until ${archive.expiresAt.toISOString().slice(0, 10)}:\n${link}`,
        );
      } else if (request.type !== 'erasure') {
        await tellSubject(
          tenant,
          request,
          'done',
          'Your request is done',
          `We have carried out your request for ${rightsAskedFor[request.type]}.`,
        );
      }
      await tenant.models.RightsRequest.updateOne(
        { _id: requestId },
        {
          $set: {
            status: 'completed',
            completedAt: now,
            result: outcome,
            ...(archive ? { archive } : {}),
          },
          // An erasure's request keeps no contact id either (it derives from the address).
          $unset: {
            email: 1,
            changes: 1,
            extensionReason: 1,
            ...(request.type === 'erasure' ? { contactId: 1 } : {}),
          },
          $push: { evidence: evidence('completed', outcome) },
        },
      );
      await tell(tenant, request, 'completed');
      // Integrators erase their own copies by the contact id they know.
      if (request.type === 'erasure' && request.contactId)
        await emitWebhookEvent(
          deps.webhooks,
          tenant,
          'contact.erased',
          { contactId: request.contactId, requestId },
          { key: `${requestId}:erased` },
        );
      return { completedAt: now.toISOString() };
    },

    /** Rejects the request (`not_verified`: the link was never followed). */
    async rejectRightsRequest({
      tenantId,
      requestId,
      reason,
    }: Ref & { reason: 'not_verified' }): Promise<boolean> {
      const tenant = await tenants.forTenant(tenantId, readableStatuses);
      const request = await load(tenant, requestId);
      const rejected = await tenant.models.RightsRequest.updateOne(
        { _id: requestId, status: 'verifying' },
        {
          $set: { status: 'rejected', completedAt: new Date(), result: { reason } },
          $unset: { email: 1, changes: 1, extensionReason: 1 },
          $push: { evidence: evidence('rejected', { reason }) },
        },
      );
      // Verified just as the window closed: the request runs instead.
      if (rejected.modifiedCount === 0 && request.status !== 'rejected') return false;
      await tell(tenant, request, 'rejected');
      return true;
    },

    /** Mails the tenant's users who manage rights requests: a reminder, or the overdue alert. */
    async remindRightsStaff({
      tenantId,
      requestId,
      kind,
      dueAt,
    }: Ref & { kind: 'reminder' | 'overdue'; dueAt: string }) {
      const tenant = await tenants.forTenant(tenantId, readableStatuses);
      const request = await load(tenant, requestId);
      const staff = await tenants.control.User.find(
        {
          tenantId,
          disabledAt: { $exists: false },
          'permissions.features': { $in: ['rights.manage', '*'] },
        },
        { email: 1 },
      ).lean();
      const day = dueAt.slice(0, 10);
      const outcomes = await mailer.sendBatch(
        tenantId,
        staff
          .filter((u) => typeof u.email === 'string')
          .map((u) => ({
            sendKey: `rights:${requestId}:${kind}:${dueAt}:${u._id}`,
            to: u.email as string,
            subject:
              kind === 'overdue'
                ? `Overdue: rights request ${requestId}`
                : `Due ${day}: rights request ${requestId}`,
            text:
              kind === 'overdue'
                ? `The ${request.type} request ${requestId} was due on ${day} and is not answered yet.`
                : `The ${request.type} request ${requestId} is due on ${day}.`,
          })),
      );
      // A refused message stays claimed and unsent: the retried step sends it.
      if (outcomes.includes('failed')) throw new Error('the relay refused a reminder');
      await tenant.models.RightsRequest.updateOne(
        { _id: requestId },
        {
          $push: {
            evidence: evidence(kind === 'overdue' ? 'overdue_alert' : 'staff_reminded', {
              staff: staff.length,
            }),
          },
        },
      );
      if (kind === 'overdue') await tell(tenant, request, 'overdue');
    },
  };
}
