/**
 * Changing the own password; forced before anything else on the first login or after an
 * admin's reset. The server checks the tenant's policy and names the rule that failed.
 */
import { Button, PasswordInput, Stack } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { zodResolver } from '@hookform/resolvers/zod';
import { passwordBody } from '@api/auth';
import { useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { changePassword, refreshSession } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { safeRedirect } from '../router-paths';
import { useSession } from '../shell/use-session';
import { AuthCard } from './AuthCard';

const route = getRouteApi('/authenticated/account/password');

export function ChangePasswordPage() {
  const { t } = useTranslation();
  const session = useSession();
  const { redirect } = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>();
  const schema = passwordBody
    .extend({ repeat: z.string() })
    .refine((v) => v.repeat === v.newPassword, {
      path: ['repeat'],
      message: t('password.mismatch'),
    });
  const form = useForm<z.infer<typeof schema>>({
    resolver: zodResolver(schema),
    defaultValues: { currentPassword: '', newPassword: '', repeat: '' },
  });

  const submit = form.handleSubmit(async ({ currentPassword, newPassword }) => {
    setError(undefined);
    try {
      await changePassword({ currentPassword, newPassword });
      await refreshSession(queryClient);
      notifications.show({ color: 'teal', message: t('password.changed') });
      await navigate({ href: safeRedirect(redirect) });
    } catch (err) {
      setError(err);
    }
  });

  return (
    <AuthCard
      title={t('password.title')}
      intro={session.mustChangePassword ? t('password.forcedIntro') : t('password.intro')}
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {error ? <ErrorAlert error={error} title={t('password.refused')} /> : null}
          <PasswordInput
            label={t('password.current')}
            autoComplete="current-password"
            required
            error={form.formState.errors.currentPassword && t('password.required')}
            {...form.register('currentPassword')}
          />
          <PasswordInput
            label={t('password.new')}
            autoComplete="new-password"
            required
            error={form.formState.errors.newPassword && t('password.required')}
            {...form.register('newPassword')}
          />
          <PasswordInput
            label={t('password.repeat')}
            autoComplete="new-password"
            required
            error={form.formState.errors.repeat?.message}
            {...form.register('repeat')}
          />
          <Button type="submit" loading={form.formState.isSubmitting}>
            {t('password.submit')}
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
