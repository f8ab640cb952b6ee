/**
 * What each security setting will do, in words ("Passwords must have at least 14 characters,
 * with a digit and a symbol."), so an administrator reads the consequence of a number or a
 * checkbox before saving it. Pure: the translation function and the locale come in.
 */
import { passwordCharacterClasses, policyBody, type twoFactorBody } from '@api/security-settings';
import type { z } from 'zod';

type Translate = (key: string, values?: Record<string, unknown>) => string;
type CharacterClass = (typeof passwordCharacterClasses)[number];

/**
 * Words only for a value the route accepts: for one being typed, or out of range, the form
 * says what is wrong instead of describing a policy that cannot be saved.
 */
const valid = (field: 'minLength' | 'historyCount' | 'maxAgeDays', value: unknown) =>
  policyBody.shape[field].safeParse(value).success;

/** The length and the character classes, as one sentence. */
export function lengthInWords(
  minLength: number,
  classes: readonly CharacterClass[],
  t: Translate,
  locale: string,
): string {
  if (!valid('minLength', minLength)) return '';
  if (classes.length === 0) return t('admin.security.words.length', { count: minLength });
  const kinds = new Intl.ListFormat(locale, { type: 'conjunction' }).format(
    // In a fixed order whatever order they were ticked in, so the sentence reads the same.
    passwordCharacterClasses
      .filter((c) => classes.includes(c))
      .map((c) => t(`admin.security.words.class.${c}`)),
  );
  return t('admin.security.words.lengthWith', { count: minLength, classes: kinds });
}

/** Whether common passwords are refused. */
export const commonInWords = (rejectCommon: boolean, t: Translate) =>
  t(rejectCommon ? 'admin.security.words.commonRefused' : 'admin.security.words.commonAllowed');

/** How many earlier passwords cannot be used again. */
export const historyInWords = (historyCount: number, t: Translate) =>
  !valid('historyCount', historyCount)
    ? ''
    : historyCount === 0
      ? t('admin.security.words.historyNone')
      : t('admin.security.words.history', { count: historyCount });

/** When a password expires. */
export const maxAgeInWords = (maxAgeDays: number, t: Translate) =>
  !valid('maxAgeDays', maxAgeDays)
    ? ''
    : maxAgeDays === 0
      ? t('admin.security.words.maxAgeNever')
      : t('admin.security.words.maxAge', { count: maxAgeDays });

/** Who must use a second factor, and when. */
export const twoFactorInWords = (rule: z.infer<typeof twoFactorBody>['required'], t: Translate) =>
  t(`admin.security.words.twoFactor.${rule}`);
