/**
 * Sign-in: email and password, then, when the account has 2FA, the code from the
 * authenticator app or a recovery code. Afterwards the user goes where they were going.
 */
import { Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { zodResolver } from '@hookform/resolvers/zod';
import { loginBody } from '@api/auth';
import { useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { ApiError } from '../api/client';
import { logIn, refreshSession } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { safeRedirect } from '../router-paths';
import { AuthCard } from './AuthCard';

type LoginForm = z.infer<typeof loginBody>;
const route = getRouteApi('/sign-in');

export function SignInPage() {
  const { t } = useTranslation();
  const { redirect } = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [secondFactor, setSecondFactor] = useState<'none' | 'totp' | 'recovery'>('none');
  const [error, setError] = useState<unknown>();
  const form = useForm<LoginForm>({
    resolver: zodResolver(loginBody),
    defaultValues: { email: '', password: '' },
  });

  const submit = form.handleSubmit(async (values) => {
    setError(undefined);
    try {
      const result = await logIn(values);
      if (result.totpRequired) {
        setSecondFactor((current) => (current === 'none' ? 'totp' : current));
        if (values.totp || values.recoveryCode) setError(new Error(t('signIn.wrongCode')));
        return;
      }
      await refreshSession(queryClient);
      await navigate({ href: safeRedirect(redirect) });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401)
        setError(new ApiError(401, err.id, t('signIn.wrongCredentials')));
      else if (err instanceof ApiError && err.status === 429)
        setError(new ApiError(429, err.id, t('signIn.lockedOut')));
      else setError(err);
    }
  });

  return (
    <AuthCard
      title={secondFactor === 'none' ? t('signIn.title') : t('signIn.secondFactorTitle')}
      intro={secondFactor === 'none' ? t('signIn.intro') : undefined}
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {error ? <ErrorAlert error={error} title={t('signIn.failed')} /> : null}
          <TextInput
            label={t('signIn.email')}
            type="email"
            autoComplete="username"
            required
            readOnly={secondFactor !== 'none'}
            error={form.formState.errors.email && t('signIn.emailRequired')}
            {...form.register('email')}
          />
          <PasswordInput
            label={t('signIn.password')}
            autoComplete="current-password"
            required
            readOnly={secondFactor !== 'none'}
            error={form.formState.errors.password && t('signIn.passwordRequired')}
            {...form.register('password')}
          />
          {secondFactor === 'totp' && (
            <Stack gap={4}>
              <TextInput
                label={t('signIn.code')}
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={6}
                autoFocus
                {...form.register('totp')}
              />
              <Anchor
                component="button"
                type="button"
                size="sm"
                onClick={() => {
                  form.setValue('totp', undefined);
                  setSecondFactor('recovery');
                }}
              >
                {t('signIn.useRecoveryCode')}
              </Anchor>
            </Stack>
          )}
          {secondFactor === 'recovery' && (
            <TextInput
              label={t('signIn.recoveryCode')}
              autoComplete="off"
              autoFocus
              {...form.register('recoveryCode')}
            />
          )}
          <Button type="submit" loading={form.formState.isSubmitting} fullWidth>
            {t('signIn.submit')}
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
