/**
 * The subscription command: subscribing an address to a list with double opt-in, the one way
 * the API, the hosted and embedded forms and imports with `consent=double-opt-in` do it.
 *
 * A person's request (`request`: API, forms) is validated, counted against the flood limits
 * per subscriber IP and per address, stored with its confirmation mail queued (or found
 * stored), answered, and only then is the list's double opt-in workflow woken, so the person
 * waits for the database, not for Temporal. An imported row (`subscribeImportedRow`) was
 * validated and is authorised by the import itself: no flood limits; the import wakes the list
 * once per batch.
 */
import { notFound } from '../../errors';
import type { ContactRow } from '../../imports/contact-row';
import type { TenantScope } from '../../db/tenant-access';
import type { Logger } from '../../logger';
import type { SubscribeLimits } from './flood-limits';
import { subscribeListFields, type SubscribeList } from './ids';
import { storeSubscription, type SubscribeResult, type SubscribeSource } from './store';
import { subscriberRow } from './subscriber-row';
import { wakeAfterAnswer, type DoubleOptInWake } from './wake';

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
  wake: DoubleOptInWake;
  logger: Logger;
}

/** The command, built once per api process (src/wiring/api.ts). */
export type SubscriptionCommand = ReturnType<typeof createSubscriptionCommand>;

/** Creates the command for people's requests. */
export function createSubscriptionCommand(deps: SubscriptionCommandDeps) {
  return {
    /**
     * Subscribes a person's address: `answer` is called with the result once the request is
     * stored (a refused request writes nothing), then the list's workflow is woken without
     * being waited for. Throws `invalid`, `not_found` (list) or a flood-limit error.
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
      const { result, queued } = await storeSubscription(
        { tenant, guard: (contactId) => deps.limits.checkAddress(tenant.tenantId, contactId) },
        { list, row, ip: input.ip, userAgent: input.userAgent, source: input.source },
      );
      answer(result);
      // Stored with its mail queued, so nothing is lost: the workflow is woken now (or, if
      // this process dies first, by the sweep).
      if (queued) wakeAfterAnswer(deps, tenant.tenantId, list._id);
    },
  };
}

/**
 * Subscribes one validated row of a double opt-in import, its mail queued; whether the list's
 * workflow has mail to send (the import then wakes it, once per batch). Idempotent: a replayed
 * batch finds its rows stored and their mail queued or sent.
 */
export async function subscribeImportedRow(
  tenant: TenantScope,
  request: { list: SubscribeList; row: ContactRow; importId: string },
): Promise<boolean> {
  const { queued } = await storeSubscription(
    { tenant },
    { list: request.list, row: request.row, source: { kind: 'import', id: request.importId } },
  );
  return queued;
}
