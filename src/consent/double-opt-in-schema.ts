/**
 * The shape of a list's `doubleOptIn` settings and their defaults, on their own so the web
 * console validates its form with the very schema the api checks (nothing here needs Node).
 */
import { z } from 'zod';

/** The `doubleOptIn` object accepted on a list. */
export const doubleOptInSchema = z
  .strictObject({
    confirmWithinHours: z.number().int().min(1).max(720).optional(),
    /** null: no reminder. */
    reminderAfterHours: z.number().int().min(1).max(719).nullable().optional(),
    subject: z.string().trim().min(1).max(200).optional(),
    /** Plain text; `{{link}}` is replaced by the confirmation link, `{{list}}` by the list name. */
    body: z
      .string()
      .min(1)
      .max(5000)
      .refine((b) => b.includes('{{link}}'), 'must contain {{link}}')
      .optional(),
    consentText: z.string().trim().min(1).max(2000).optional(),
    consentTextVersion: z.string().trim().min(1).max(40).optional(),
  })
  .refine(
    (s) =>
      !s.reminderAfterHours ||
      s.reminderAfterHours < (s.confirmWithinHours ?? DOUBLE_OPT_IN_DEFAULTS.confirmWithinHours),
    {
      message: 'reminderAfterHours must be shorter than confirmWithinHours',
      path: ['reminderAfterHours'],
    },
  );

/** The stored settings. */
export type DoubleOptInSettings = z.infer<typeof doubleOptInSchema>;

/** What a list without its own settings uses. */
export const DOUBLE_OPT_IN_DEFAULTS = {
  confirmWithinHours: 72,
  reminderAfterHours: 24,
  subject: 'Please confirm your subscription to {{list}}',
  body:
    'Hello,\n\nplease confirm that you want to receive "{{list}}" by opening this link:\n\n{{link}}\n\n' +
    'The link is valid for {{hours}} hours. If you did not ask for this, ignore this message: ' +
    'without confirmation we keep nothing about you.',
  reminderSubject: 'Reminder: please confirm your subscription to {{list}}',
  consentText:
    'I agree to receive emails from "{{list}}". I can withdraw my consent at any time with the link in every email.',
  consentTextVersion: 'default-1',
};
