/**
 * A list's double opt-in settings (`doubleOptIn` on the list) and their defaults: how long a
 * confirmation link stays valid, when the one reminder goes out, the confirmation mail's
 * texts, and the consent text shown to the subscriber, whose version and SHA-256 hash go into
 * the consent proof.
 */
import { createHash } from 'node:crypto';
import escapeHtml from 'escape-html';
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
      s.reminderAfterHours < (s.confirmWithinHours ?? DEFAULTS.confirmWithinHours),
    {
      message: 'reminderAfterHours must be shorter than confirmWithinHours',
      path: ['reminderAfterHours'],
    },
  );

/** The stored settings. */
export type DoubleOptInSettings = z.infer<typeof doubleOptInSchema>;

const DEFAULTS = {
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

/** Settings with defaults applied, for one list. */
export interface ResolvedDoubleOptIn {
  confirmWithinHours: number;
  reminderAfterHours: number | null;
  consentText: string;
  textVersion: string;
  textHash: string;
}

const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);

/** Applies defaults; the consent text hash is over the exact text shown. */
export function resolveDoubleOptIn(listName: string, raw: unknown): ResolvedDoubleOptIn {
  const s = (raw ?? {}) as DoubleOptInSettings;
  const consentText = fill(s.consentText ?? DEFAULTS.consentText, { list: listName });
  return {
    confirmWithinHours: s.confirmWithinHours ?? DEFAULTS.confirmWithinHours,
    reminderAfterHours:
      s.reminderAfterHours === null ? null : (s.reminderAfterHours ?? DEFAULTS.reminderAfterHours),
    consentText,
    textVersion: s.consentTextVersion ?? (s.consentText ? 'custom' : DEFAULTS.consentTextVersion),
    textHash: createHash('sha256').update(consentText).digest('hex'),
  };
}

/** The confirmation (or reminder) mail for a list. */
export function confirmationMail(
  listName: string,
  raw: unknown,
  link: string,
  reminder: boolean,
): { subject: string; text: string; html: string } {
  const s = (raw ?? {}) as DoubleOptInSettings;
  const hours = String(s.confirmWithinHours ?? DEFAULTS.confirmWithinHours);
  const subject = fill(reminder ? DEFAULTS.reminderSubject : (s.subject ?? DEFAULTS.subject), {
    list: listName,
  });
  const body = s.body ?? DEFAULTS.body;
  const text = fill(body, { list: listName, link, hours });
  const html = `<p>${fill(escapeHtml(body), {
    list: escapeHtml(listName),
    link: `<a href="${escapeHtml(link)}">${escapeHtml(link)}</a>`,
    hours,
  })
    .replace(/\n{2,}/g, '</p><p>')
    .replace(/\n/g, '<br>')}</p>`;
  return { subject, text, html };
}
