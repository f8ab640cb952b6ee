/**
 * What a list's policies will do, in words and dates ("a contact who confirms today is asked
 * to renew on …"), so an admin sees the consequence of a number before saving it. Pure: the
 * translation function and today's date come in.
 */
import type { ListBody } from '@api/lists';

type Translate = (key: string, values?: Record<string, unknown>) => string;

const DAY = 86_400_000;

const formatDate = (date: Date, locale: string) =>
  new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric' }).format(date);

/** The double opt-in in words. */
export function doubleOptInSummary(
  settings: NonNullable<ListBody['doubleOptIn']>,
  defaults: { confirmWithinHours: number; reminderAfterHours: number },
  t: Translate,
): string {
  const hours = settings.confirmWithinHours ?? defaults.confirmWithinHours;
  const reminder =
    settings.reminderAfterHours === null
      ? null
      : (settings.reminderAfterHours ?? defaults.reminderAfterHours);
  const window = t('summary.doi.window', { count: hours });
  return reminder === null
    ? `${window} ${t('summary.doi.noReminder')}`
    : `${window} ${t('summary.doi.reminder', { count: reminder })}`;
}

/** The consent validity in words, with the dates for a contact who confirms `today`. */
export function consentSummary(
  policy: ListBody['consentPolicy'],
  t: Translate,
  locale: string,
  today: Date,
): string {
  if (!policy) return t('summary.consent.none');
  const expiry = new Date(today.getTime() + policy.validityDays * DAY);
  const reminders = [...new Set(policy.reminderDaysBefore)]
    .filter((days) => days < policy.validityDays)
    .sort((a, b) => b - a)
    .map((days) => formatDate(new Date(expiry.getTime() - days * DAY), locale));
  const parts = [
    reminders.length
      ? t('summary.consent.renewOn', { dates: new Intl.ListFormat(locale).format(reminders) })
      : t('summary.consent.noReminder'),
    t(`summary.consent.onExpiry.${policy.onExpiry}`, { date: formatDate(expiry, locale) }),
  ];
  return parts.join(' ');
}

/** The inactivity rule in words. */
export function inactivitySummary(policy: ListBody['inactivityPolicy'], t: Translate): string {
  if (!policy) return t('summary.inactivity.none');
  const action = t(`summary.action.${policy.action}`);
  return policy.rePermission
    ? t('summary.inactivity.ask', {
        count: policy.thresholdDays,
        wait: policy.rePermission.waitDays,
        action,
      })
    : t('summary.inactivity.direct', { count: policy.thresholdDays, action });
}

/** Tracking in words. */
export const trackingSummary = (tracking: boolean, t: Translate) =>
  tracking ? t('summary.tracking.on') : t('summary.tracking.off');

/** The HTML a tenant pastes into its own site: a plain form posting to the hosted form. */
export function embedSnippet(formUrl: string, consentText: string, labels: EmbedLabels): string {
  const esc = (s: string) =>
    s.replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
    );
  return [
    `<form method="post" action="${esc(formUrl)}">`,
    `  <input type="hidden" name="formId" value="embed">`,
    `  <label>${esc(labels.email)} <input type="email" name="email" required autocomplete="email"></label>`,
    `  <label><input type="checkbox" name="consent" value="yes" required> ${esc(consentText)}</label>`,
    `  <button type="submit">${esc(labels.submit)}</button>`,
    `</form>`,
  ].join('\n');
}

export interface EmbedLabels {
  email: string;
  submit: string;
}
