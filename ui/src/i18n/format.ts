/**
 * Dates in the console's language, with the browser's regional variant of it when there is
 * one (en-GB writes 6 December 2027, en-US December 6, 2027).
 */
import { useTranslation } from 'react-i18next';

/** The locale to format with for a console language. */
export const formatLocale = (language: string) =>
  navigator.languages.find((l) => l.split('-')[0] === language) ?? language;

export function useFormat() {
  const { i18n } = useTranslation();
  const locale = formatLocale(i18n.resolvedLanguage ?? 'en');
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return {
    locale,
    date: (value: string | Date) => date.format(new Date(value)),
    dateTime: (value: string | Date) => dateTime.format(new Date(value)),
  };
}
