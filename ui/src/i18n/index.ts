/**
 * Translations (i18next): English and Italian. The language is the user's last choice in
 * this browser, else the browser's own; every string of the console goes through `t`.
 */
import i18n from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import { z } from 'zod';
import { adminEn, adminIt } from '../admin/strings';
import { en } from './en';
import { it } from './it';

export const languages = [
  { code: 'en', name: 'English' },
  { code: 'it', name: 'Italiano' },
] as const;

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    // Each area of the console brings its strings under its own key.
    resources: {
      en: { translation: { ...en, admin: adminEn } },
      it: { translation: { ...it, admin: adminIt } },
    },
    supportedLngs: languages.map((l) => l.code),
    fallbackLng: 'en',
    nonExplicitSupportedLngs: true,
    detection: { order: ['localStorage', 'navigator'], caches: ['localStorage'] },
    // React escapes what it renders.
    interpolation: { escapeValue: false },
    showSupportNotice: false,
  });

// Form checks use the api's zod schemas; zod's own messages follow the console's language.
const zodLocales = { en: z.locales.en, it: z.locales.it };

const applyLanguage = (lng: string) => {
  document.documentElement.lang = lng;
  z.config((zodLocales[lng as keyof typeof zodLocales] ?? z.locales.en)());
};
i18n.on('languageChanged', applyLanguage);
if (i18n.resolvedLanguage) applyLanguage(i18n.resolvedLanguage);

export default i18n;
