/**
 * Keeps an unsaved form in sessionStorage, so a user whose session expires mid-edit signs in
 * again and finds the form as they left it. Cleared once the form is saved.
 */
import { useEffect } from 'react';
import type { FieldValues, UseFormReturn } from 'react-hook-form';

const storageKey = (key: string) => `consentflow:draft:${key}`;

/** The saved draft for `key`, if any (to use as the form's default values). */
export function readDraft<T>(key: string): T | undefined {
  const raw = sessionStorage.getItem(storageKey(key));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export const clearDraft = (key: string) => sessionStorage.removeItem(storageKey(key));

/** Saves the form under `key` on every change the user makes (a reset does not count). */
export function useDraft<T extends FieldValues>(key: string, form: UseFormReturn<T>) {
  useEffect(() => {
    const subscription = form.watch((values, { type }) => {
      if (type === 'change') sessionStorage.setItem(storageKey(key), JSON.stringify(values));
    });
    return () => subscription.unsubscribe();
  }, [key, form]);
}
