/**
 * The subscription command: subscribing an address to a list with double opt-in, the one way
 * the API, the hosted and embedded forms and imports with `consent=double-opt-in` do it.
 *
 * A person's request (`request`: API, forms) is validated, counted against the flood limits
 * per subscriber IP and per address, stored (or found stored), answered, and only then is its
 * workflow started, so the person waits for one database round trip, not for Temporal. An
 * imported row (`subscribeImportedRow`) was validated and is authorised by the import itself:
 * no flood limits, and the start is awaited, so a failed start fails the batch and the
 * activity retries it (storing is idempotent).
 */
import { notFound } from '../../errors';
import type { ContactRow } from '../../imports/contact-row';
import type { TenantScope } from '../../db/tenant-access';
import type { Logger } from '../../logger';
import type { WorkflowGateway } from '../../temporal/workflows';
import type { SubscribeLimits } from './flood-limits';
import { subscribeListFields, type SubscribeList } from './ids';
import { startAfterAnswer, startDoubleOptIn } from './start';
import { storeSubscription, type SubscribeResult, type SubscribeSource } from './store';
import { subscriberRow } from './subscriber-row';

/** A person's subscription request, as a route received it. */
export interface PersonRequest {
  /** The list, or its id (then read here, beside the per-IP count). */
  list: SubscribeList | string;
  email: string;
  fields?: Record<string, unknown>;
  /** The subscriber's IP and user agent: part of the proof; the IP is counted per hour. */
  ip?: string;
  userAgent?: string;
  source: SubscribeSource;
}

/** What the command needs. */
export interface SubscriptionCommandDeps {
  limits: SubscribeLimits;
  workflows: WorkflowGateway;
  logger: Logger;
}

/** The command, built once per api process (src/wiring/api.ts). */
export type SubscriptionCommand = ReturnType<typeof createSubscriptionCommand>;

/** Creates the command for people's requests. */
export function createSubscriptionCommand(deps: SubscriptionCommandDeps) {
  return {
    /**
     * Subscribes a person's address: `answer` is called with the result once the request is
     * stored (a refused request writes nothing), then the workflow starts without being
     * waited for. Throws `invalid`, `not_found` (list) or a flood-limit error.
     */
    async request(
      tenant: TenantScope,
      input: PersonRequest,
      answer: (result: SubscribeResult) => void,
    ): Promise<void> {
      const row = subscriberRow(input.email, input.fields);
      // Independent round trips, side by side: the list, and the per-IP count.
      const [list] = await Promise.all([
        typeof input.list === 'string'
          ? tenant.models.List.findById(input.list, subscribeListFields).lean()
          : input.list,
        deps.limits.checkIp(tenant.tenantId, input.ip),
      ]);
      if (!list) throw notFound('list');
      const { result, start } = await storeSubscription(
        { tenant, guard: (contactId) => deps.limits.checkAddress(tenant.tenantId, contactId) },
        { list, row, ip: input.ip, userAgent: input.userAgent, source: input.source },
      );
      answer(result);
      // Stored, so nothing is lost: the workflow starts now (or, if this process dies first,
      // by the sweep).
      if (start) startAfterAnswer(deps, start);
    },
  };
}

/**
 * Subscribes one validated row of a double opt-in import and starts its workflow. Idempotent:
 * a replayed batch finds its rows stored and their workflows running.
 */
export async function subscribeImportedRow(
  deps: { workflows: WorkflowGateway },
  tenant: TenantScope,
  request: { list: SubscribeList; row: ContactRow; importId: string },
): Promise<void> {
  const { start } = await storeSubscription(
    { tenant },
    { list: request.list, row: request.row, source: { kind: 'import', id: request.importId } },
  );
  if (start) await startDoubleOptIn(deps, start);
}
