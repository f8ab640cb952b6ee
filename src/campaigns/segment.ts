/**
 * A campaign's segment: one condition on the contact, in the automations' own language
 * (fields, memberships, consent state, past custom events; src/domain/automation-definition.ts),
 * evaluated by the same interpreter (`meets`), so a marketer's "city is Turin and attended the
 * fair" means the same in a campaign and in a journey. It narrows the audience the lists give;
 * it never widens it past consent, restriction or suppression.
 */
import { z } from 'zod';
import {
  conditionDepth,
  conditionSchema,
  conditionUsesEvents,
  listsOfCondition,
  MAX_CONDITION_DEPTH,
  type Condition,
} from '../domain/automation-definition';
import { factsOf, latestEventsQuery } from '../automations/facts';
import { meets } from '../automations/interpreter';
import type { ListScope } from '../auth/principal';
import type { ContactDocument } from '../db/models/contact';
import type { TenantScope } from '../db/tenant-access';
import { invalid, notFound } from '../errors';

/**
 * A segment as received: its nesting is measured before the condition's schema recurses into
 * it, so a hostile body nested thousands deep is refused without a deep recursion.
 */
export const segmentSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    // The segment is itself the first level, as an automation's `condition` is.
    const depth = conditionDepth({ condition: value });
    if (depth > MAX_CONDITION_DEPTH)
      ctx.addIssue({
        code: 'custom',
        message: `conditions nest at most ${MAX_CONDITION_DEPTH} deep (this one ${depth})`,
        abort: true,
      });
  })
  .pipe(conditionSchema);

/** A segment as received, or 400 naming each part that is wrong (`segment.<path>: …`). */
export function parseSegment(input: unknown): Condition {
  const parsed = segmentSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw invalid(
    parsed.error.issues
      .map((i) => `${['segment', ...i.path.map(String)].join('.')}: ${i.message}`)
      .join('; '),
  );
}

/**
 * How the OpenAPI document shows a segment: an object, described. The condition is recursive,
 * which the document's generator cannot follow; its JSON Schema is the automations' own
 * (`GET /api/v1/automations/schema`, the `condition` of a condition step).
 */
export const documentedSegment = z.record(z.string(), z.unknown()).meta({
  description:
    'one condition, as an automation’s condition step takes (`GET /api/v1/automations/schema`): fields, memberships, consent state and past custom events, combined with all/any/not',
});

/** What of a contact a segment reads. */
export const segmentProjection = {
  _id: 1,
  lists: 1,
  restrictedAt: 1,
  trackingObjection: 1,
  details: 1,
} as const;

type SegmentContact = Pick<
  ContactDocument,
  '_id' | 'lists' | 'restrictedAt' | 'trackingObjection' | 'details'
>;

/** Contacts whose events are read side by side. */
const EVENT_READS = 20;

/** Refuses a segment naming a list that does not exist or is not the caller's (404). */
export async function assertSegmentLists(
  tenant: TenantScope,
  segment: Condition | undefined,
  lists: ListScope,
): Promise<void> {
  const named = [...new Set(listsOfCondition(segment))];
  if (named.length === 0) return;
  const found = await tenant.models.List.find({ _id: { $in: named } }, { _id: 1 }).lean();
  const missing = named.filter(
    (id) => !found.some((l) => l._id === id) || (lists !== 'all' && !lists.includes(id)),
  );
  if (missing.length > 0) throw notFound(`segment: list ${missing.join(', ')}`);
}

/** The ids among `contacts` that are in the segment at `now`. */
export async function inSegment(
  tenant: TenantScope,
  segment: Condition,
  contacts: readonly SegmentContact[],
  now: Date,
): Promise<string[]> {
  const events = new Map<string, { name: string; at: Date }[]>();
  if (conditionUsesEvents(segment))
    for (let i = 0; i < contacts.length; i += EVENT_READS)
      await Promise.all(
        contacts.slice(i, i + EVENT_READS).map(async (c) => {
          events.set(c._id, await latestEventsQuery(tenant, c._id));
        }),
      );
  return contacts
    .filter((c) => meets(segment, factsOf(c, events.get(c._id) ?? []), now))
    .map((c) => c._id);
}
