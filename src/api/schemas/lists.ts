/**
 * A list and its policies as the HTTP API takes and gives them, shared by the list routes
 * and the web console's forms, so both validate with one schema.
 */
import { z } from 'zod';
import { doubleOptInSchema } from '../../consent/double-opt-in-schema';

const action = z.enum(['unsubscribe', 'anonymize', 'delete']);

export const consentPolicy = z
  .strictObject({
    validityDays: z.number().int().min(1).max(3650),
    reminderDaysBefore: z.array(z.number().int().min(1).max(365)).max(5),
    onExpiry: action,
  })
  .meta({ id: 'ConsentPolicy' });

export const inactivityPolicy = z
  .strictObject({
    thresholdDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .meta({ description: 'days without an open, click or profile visit' }),
    rePermission: z
      .strictObject({ waitDays: z.number().int().min(1).max(90) })
      .optional()
      .meta({ description: 'ask first, and act only when the recipient does not answer' }),
    action,
  })
  .meta({ id: 'InactivityPolicy' });

const doubleOptIn = doubleOptInSchema.meta({ id: 'DoubleOptInSettings' });

const name = z.string().trim().min(1).max(200);

/** The body of `POST /api/v1/lists`. */
export const createList = z.strictObject({
  name,
  doubleOptIn: doubleOptIn.optional(),
  consentPolicy: consentPolicy.optional(),
  inactivityPolicy: inactivityPolicy.optional(),
  tracking: z.boolean().optional(),
});

/** A change: absent fields stay, a policy set to null is removed. */
export const updateList = z.strictObject({
  name: name.optional(),
  doubleOptIn: doubleOptIn.nullable().optional(),
  consentPolicy: consentPolicy.nullable().optional(),
  inactivityPolicy: inactivityPolicy.nullable().optional(),
  tracking: z.boolean().optional(),
});

/** The response schema of a list. */
export const listSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    doubleOptIn: doubleOptIn.nullable(),
    consentPolicy: consentPolicy.nullable(),
    inactivityPolicy: inactivityPolicy.nullable(),
    tracking: z.boolean(),
    formUrl: z.string().meta({ description: 'the hosted subscribe form of the list' }),
    createdAt: z.string(),
  })
  .meta({ id: 'List' });

/** A list as the API answers it. */
export type ListBody = z.infer<typeof listSchema>;

export { DOUBLE_OPT_IN_DEFAULTS } from '../../consent/double-opt-in-schema';
