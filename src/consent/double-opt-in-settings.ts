/**
 * A list's double opt-in settings (`doubleOptIn` on the list) and their defaults: how long a
 * confirmation link stays valid, when the one reminder goes out, the confirmation mail's
 * texts, and the consent text shown to the subscriber, whose version and SHA-256 hash go into
 * the consent proof.
 */
import { createHash } from 'node:crypto';
import escapeHtml from 'escape-html';
import {
  DOUBLE_OPT_IN_DEFAULTS as DEFAULTS,
  type DoubleOptInSettings,
} from './double-opt-in-schema';

export { doubleOptInSchema, type DoubleOptInSettings } from './double-opt-in-schema';

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
