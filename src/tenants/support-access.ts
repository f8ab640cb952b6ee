/**
 * Support access by the tenant's approval only. Platform staff ask (reason, hours, what they
 * need to do); the request's workflow (workflows/support-access.ts) tells the tenant's admins
 * and waits for one of them to decide; an approved grant lets the platform mint a key bound to
 * it, which sees personal data until the grant ends and logs every request with the grant's
 * id. Without a grant, keys the platform mints see every personal field masked.
 */
import { randomBytes } from 'node:crypto';
import {
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Feature } from '../auth/permissions';
import type { SupportGrantDocument } from '../db/models/support-grant';
import type { ControlModels } from '../db/tenant-access';
import { AppError, conflict, invalid, notFound } from '../errors';
import type { WorkflowGateway } from '../temporal/workflows';
import {
  supportAccessDecisionUpdate,
  type SupportAccessDecision,
} from '../../workflows/definitions';

/**
 * What staff may ask to do under a grant: look, and take out what a support case needs. Never
 * `users.manage` (staff could make themselves a user who approves their own requests), never
 * sending or designing.
 */
export const grantableFeatures = [
  'contacts.view',
  'contacts.export',
  'stats.view',
  'accesslog.view',
] as const satisfies readonly Feature[];

/** The longest grant, in hours. */
export const MAX_GRANT_HOURS = 72;

/** How long a route waits for the request's workflow to record a decision. */
const DECIDE_WAIT_MS = 20_000;

/** What a staff member sends. */
export interface SupportRequestInput {
  reason: string;
  hours: number;
  requestedBy: string;
  scopes?: (typeof grantableFeatures)[number][];
}

/** A request as the API shows it. */
export function presentGrant(grant: SupportGrantDocument) {
  return {
    id: grant._id,
    tenantId: grant.tenantId,
    status: grant.status,
    reason: grant.reason,
    requestedBy: grant.requestedBy,
    hours: grant.hours,
    scopes: grant.scopes,
    requestedAt: grant.requestedAt.toISOString(),
    decidedBy: grant.decidedBy ?? null,
    decidedAt: grant.decidedAt?.toISOString() ?? null,
    approvedUntil: grant.approvedUntil?.toISOString() ?? null,
    endedAt: grant.endedAt?.toISOString() ?? null,
  };
}

/** What the commands need. */
export interface SupportAccessDeps {
  control: ControlModels;
  workflows: WorkflowGateway;
}

/** The support-access commands of a process. */
export function createSupportAccess({ control, workflows }: SupportAccessDeps) {
  const { SupportGrant } = control;

  /** The tenant's request; 404 for an unknown id or another tenant's. */
  async function get(tenantId: string, grantId: string): Promise<SupportGrantDocument> {
    const grant = /^g[0-9a-f]{20}$/.test(grantId)
      ? await SupportGrant.findOne({ _id: grantId, tenantId }).lean()
      : null;
    if (!grant) throw notFound('support-access request');
    return grant;
  }

  return {
    get,

    /** Stores the request and starts its workflow (which tells the admins). */
    async request(tenantId: string, input: SupportRequestInput): Promise<SupportGrantDocument> {
      const grant: SupportGrantDocument = {
        _id: `g${randomBytes(10).toString('hex')}`,
        tenantId,
        reason: input.reason,
        requestedBy: input.requestedBy,
        hours: input.hours,
        scopes: [...(input.scopes ?? ['contacts.view'])],
        status: 'pending',
        requestedAt: new Date(),
      };
      await SupportGrant.create(grant);
      await workflows.startOnce('supportAccess', {
        tenantId,
        grantId: grant._id,
        hours: grant.hours,
      });
      return grant;
    },

    /** The tenant's requests, newest first. */
    async list(tenantId: string): Promise<SupportGrantDocument[]> {
      return SupportGrant.find({ tenantId }).sort({ requestedAt: -1 }).limit(200).lean();
    },

    /**
     * An admin's decision, answered once the workflow has recorded it; 409 when the request is
     * not in a state it applies to (already decided, ended).
     */
    async decide(
      tenantId: string,
      grantId: string,
      decision: SupportAccessDecision,
    ): Promise<SupportGrantDocument> {
      const grant = await get(tenantId, grantId);
      const refused = () =>
        conflict(
          'support_access_decided',
          `the request is ${grant.status}: nothing to ${decision.decision}`,
        );
      if (['denied', 'revoked', 'expired'].includes(grant.status)) throw refused();
      try {
        await workflows.update('supportAccess', tenantId, grantId, supportAccessDecisionUpdate, {
          args: [decision],
          waitMs: DECIDE_WAIT_MS,
        });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError)
          throw refused();
        if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
          throw new AppError(
            'unavailable',
            'support_access_unavailable',
            'the request did not answer in time; try again',
          );
        throw err;
      }
      return get(tenantId, grantId);
    },

    /**
     * The grant a platform-minted key is bound to: approved and not ended; 400 otherwise (the
     * key is refused, never minted unbound).
     */
    async activeGrant(tenantId: string, grantId: string): Promise<SupportGrantDocument> {
      const grant = await SupportGrant.findOne({ _id: grantId, tenantId }).lean();
      if (
        !grant ||
        grant.status !== 'approved' ||
        !grant.approvedUntil ||
        grant.approvedUntil.getTime() <= Date.now()
      )
        throw invalid(
          'grantId: no approved, running support grant of this tenant',
          'grant_not_active',
        );
      return grant;
    },
  };
}

/** The support-access commands. */
export type SupportAccess = ReturnType<typeof createSupportAccess>;
