/**
 * Rights requests as the API, the public pages and the activities handle them: receiving one
 * (stored, then its workflow started), verifying the subject's identity, extending the
 * deadline, and presenting it. Receiving answers the same whether or not the tenant holds the
 * address (no enumeration): the request is stored with or without a contact and completes as
 * "nothing held" in the second case.
 */
import { randomBytes } from 'node:crypto';
import { contactIdOf } from '../consent/subscription/ids';
import type {
  RightsActor,
  RightsRequestDocument,
  RightsRequestType,
} from '../db/models/rights-request';
import type { TenantScope } from '../db/tenant-access';
import { normaliseEmail } from '../domain/email-address';
import { conflict, invalid, notFound } from '../errors';
import type { WorkflowGateway } from '../temporal/workflows';
import { startedWorkflowId } from '../temporal/workflows';
import {
  rightsDeadlineMovedSignal,
  rightsVerifiedSignal,
  type RightsStatus,
} from '../../workflows/definitions';
import { dueDateOf, MAX_EXTENSION_MONTHS } from './deadlines';
import { checkRectification, type Rectification } from './rectification';

/** What the request commands need. */
export interface RightsRequestDeps {
  workflows: Pick<WorkflowGateway, 'start' | 'signal'>;
}

/** A request as received. */
export interface ReceivedRequest {
  type: RightsRequestType;
  email?: string;
  contactId?: string;
  /** Staff or an integrator vouch for the subject's identity (recorded with who). */
  identityVerified?: boolean;
  changes?: Rectification;
  scope?: { listId?: string; lift?: boolean };
  origin: RightsRequestDocument['origin'];
  by: RightsActor;
}

/** A request as the API shows it. */
export interface PresentedRequest {
  id: string;
  workflowId: string;
  type: RightsRequestType;
  status: RightsStatus;
  receivedAt: string;
  dueAt: string;
  extendedMonths: number;
  verifiedAt?: string;
  completedAt?: string;
  result?: Record<string, string | number | boolean>;
  archiveExpiresAt?: string;
}

const newRequestId = () => `r${randomBytes(12).toString('hex')}`;

/** The workflow id of a request. */
export const rightsWorkflowIdOf = (tenantId: string, requestId: string) =>
  startedWorkflowId('rightsRequest', { tenantId, requestId, initialStatus: 'verifying' });

/** The status shown: an open request past its due date is `overdue`. */
export function shownStatus(
  request: Pick<RightsRequestDocument, 'status' | 'dueAt'>,
  now = new Date(),
): RightsStatus {
  const open = request.status === 'verifying' || request.status === 'in_progress';
  return open && request.dueAt.getTime() < now.getTime() ? 'overdue' : request.status;
}

/** Presents a stored request (nothing personal: no address, no changes). */
export function presentRequest(tenantId: string, r: RightsRequestDocument): PresentedRequest {
  return {
    id: r._id,
    workflowId: rightsWorkflowIdOf(tenantId, r._id),
    type: r.type,
    status: shownStatus(r),
    receivedAt: r.receivedAt.toISOString(),
    dueAt: r.dueAt.toISOString(),
    extendedMonths: r.extendedMonths,
    ...(r.verifiedAt ? { verifiedAt: r.verifiedAt.toISOString() } : {}),
    ...(r.completedAt ? { completedAt: r.completedAt.toISOString() } : {}),
    ...(r.result ? { result: r.result } : {}),
    ...(r.archive ? { archiveExpiresAt: r.archive.expiresAt.toISOString() } : {}),
  };
}

/** Receives a request: validates, stores and starts its workflow; the request as shown. */
export async function receiveRightsRequest(
  deps: RightsRequestDeps,
  tenant: TenantScope,
  input: ReceivedRequest,
  now = new Date(),
): Promise<PresentedRequest> {
  if ((input.email === undefined) === (input.contactId === undefined))
    throw invalid('give either email or contactId');
  if (input.type === 'rectification') {
    if (!input.changes || Object.keys(input.changes).length === 0)
      throw invalid('changes: a rectification names the fields to change');
    checkRectification(input.changes);
  } else if (input.changes) throw invalid('changes: only a rectification carries changes');
  if (input.scope && input.type !== 'restriction' && input.type !== 'objection')
    throw invalid('scope: only a restriction or an objection has a scope');
  if (input.scope?.listId && input.type === 'restriction')
    throw invalid('scope.listId: a restriction concerns every list');
  if (input.scope?.listId && !(await tenant.models.List.exists({ _id: input.scope.listId })))
    throw notFound('list');

  let email: string | undefined;
  let contactId: string | undefined;
  if (input.email !== undefined) {
    const normalised = normaliseEmail(input.email);
    if (!normalised) throw invalid('email: not a valid email address');
    email = normalised;
    const { id } = await contactIdOf(tenant, normalised);
    // Held or not, the answer is the same; only the stored request knows.
    if (await tenant.models.Contact.exists({ _id: id })) contactId = id;
  } else {
    if (!(await tenant.models.Contact.exists({ _id: input.contactId! }))) throw notFound('contact');
    contactId = input.contactId;
    const contact = await tenant.models.Contact.findById(contactId, { email: 1 }).lean();
    if (typeof contact?.email === 'string') email = contact.email;
  }

  const verified = input.identityVerified === true;
  const id = newRequestId();
  const doc: RightsRequestDocument = {
    _id: id,
    type: input.type,
    status: verified ? 'in_progress' : 'verifying',
    origin: input.origin,
    ...(contactId ? { contactId } : {}),
    ...(email ? { email: await tenant.private(email) } : {}),
    ...(input.changes ? { changes: await tenant.private(JSON.stringify(input.changes)) } : {}),
    ...(input.scope ? { scope: input.scope } : {}),
    receivedAt: now,
    dueAt: dueDateOf(now),
    extendedMonths: 0,
    ...(verified ? { verifiedAt: now, verifiedBy: input.by } : {}),
    evidence: [
      {
        at: now,
        action: 'received',
        by: input.by,
        details: { type: input.type, origin: input.origin },
      },
      ...(verified ? [{ at: now, action: 'identity_verified', by: input.by }] : []),
    ],
    createdBy: input.by,
  };
  await tenant.models.RightsRequest.create(doc);
  await deps.workflows.start('rightsRequest', {
    tenantId: tenant.tenantId,
    requestId: id,
    initialStatus: verified ? 'in_progress' : 'verifying',
  });
  return presentRequest(tenant.tenantId, doc);
}

/** A stored request, or 404. */
export async function findRequest(tenant: TenantScope, id: string): Promise<RightsRequestDocument> {
  const request = await tenant.models.RightsRequest.findById(id, {
    email: 0,
    changes: 0,
    extensionReason: 0,
  }).lean();
  if (!request) throw notFound('rights request');
  return request as RightsRequestDocument;
}

/** A stored request still open, or 404 (unknown) or 409 (completed or rejected). */
async function findOpenRequest(tenant: TenantScope, id: string): Promise<RightsRequestDocument> {
  const request = await findRequest(tenant, id);
  if (request.status === 'completed' || request.status === 'rejected')
    throw conflict('request_closed', 'this request is closed');
  return request;
}

/**
 * Marks the subject's identity verified (by the subject's link or by staff) and tells the
 * workflow; verifying a request again changes nothing. A closed request is a 409.
 */
export async function verifyRightsRequest(
  deps: RightsRequestDeps,
  tenant: TenantScope,
  id: string,
  by: RightsActor,
  now = new Date(),
): Promise<RightsRequestDocument> {
  const request = await findOpenRequest(tenant, id);
  if (request.status === 'verifying') {
    await tenant.models.RightsRequest.updateOne(
      { _id: id, status: 'verifying' },
      {
        $set: { status: 'in_progress', verifiedAt: now, verifiedBy: by },
        $push: { evidence: { at: now, action: 'identity_verified', by } },
      },
    );
  }
  await deps.workflows.signal('rightsRequest', tenant.tenantId, id, rightsVerifiedSignal);
  return findRequest(tenant, id);
}

/**
 * Extends the deadline by `months` (two further months at most in all, GDPR Art. 12(3)); the
 * workflow tells the subject and moves its reminders.
 */
export async function extendRightsRequest(
  deps: RightsRequestDeps,
  tenant: TenantScope,
  id: string,
  change: { months: number; reason: string },
  by: RightsActor,
  now = new Date(),
): Promise<RightsRequestDocument> {
  const request = await findOpenRequest(tenant, id);
  // The subject must be told within the first month (Art. 12(3)).
  if (now.getTime() > dueDateOf(request.receivedAt).getTime())
    throw conflict('deadline_passed', 'an extension must be decided within the first month');
  const months = request.extendedMonths + change.months;
  if (months > MAX_EXTENSION_MONTHS)
    throw invalid(
      `months: a deadline may be extended by ${MAX_EXTENSION_MONTHS} months at most in all (${request.extendedMonths} already)`,
    );
  const updated = await tenant.models.RightsRequest.updateOne(
    { _id: id, extendedMonths: request.extendedMonths },
    {
      $set: {
        extendedMonths: months,
        dueAt: dueDateOf(request.receivedAt, months),
        extensionReason: await tenant.private(change.reason),
      },
      $push: {
        evidence: { at: now, action: 'deadline_extended', by, details: { months: change.months } },
      },
    },
  );
  if (updated.modifiedCount === 0)
    throw conflict('request_changed', 'the request changed meanwhile; try again');
  await deps.workflows.signal('rightsRequest', tenant.tenantId, id, rightsDeadlineMovedSignal);
  return findRequest(tenant, id);
}
