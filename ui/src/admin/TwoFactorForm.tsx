/**
 * Who must use a second factor: nobody, administrators (users.manage) or everyone, each
 * choice saying what happens to whom. An administrator about to require it of themselves
 * without one is told so first, with the way to set it up.
 */
import { Alert, Button, Group, Paper, Radio, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { zodResolver } from '@hookform/resolvers/zod';
import { twoFactorBody, twoFactorRequirements } from '@api/security-settings';
import { IconInfoCircle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Controller, useForm, useWatch } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { can } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { AnchorLink } from '../shell/links';
import { useSession } from '../shell/use-session';
import { saveTwoFactorCall, twoFactorQuery, type TwoFactorRule } from './api';
import { twoFactorInWords } from './security-words';

export function TwoFactorForm({ rule }: { rule: TwoFactorRule }) {
  const { t } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const form = useForm<TwoFactorRule>({
    resolver: zodResolver(twoFactorBody),
    defaultValues: rule,
  });
  const required = useWatch({ control: form.control, name: 'required' });
  // This page needs users.manage, so "admins" includes whoever is looking at it.
  const appliesToMe = required === 'all' || (required === 'admins' && can(session, 'users.manage'));

  const save = useMutation({
    mutationFn: saveTwoFactorCall,
    onSuccess: (saved) => {
      queryClient.setQueryData(twoFactorQuery.queryKey, saved);
      form.reset(saved);
      notifications.show({ color: 'teal', message: t('admin.security.twoFactorSaved') });
    },
  });

  return (
    <Paper withBorder p="lg" radius="md" component="section" aria-labelledby="two-factor-rule">
      <form onSubmit={form.handleSubmit((body) => save.mutate(body))} noValidate>
        <Stack gap="lg">
          <Stack gap={4}>
            <Title order={3} id="two-factor-rule">
              {t('admin.security.twoFactor')}
            </Title>
            <Text size="sm" c="dimmed">
              {t('admin.security.twoFactorIntro')}
            </Text>
          </Stack>
          <ErrorAlert error={save.error} title={t('admin.security.refused')} />
          <Controller
            control={form.control}
            name="required"
            render={({ field }) => (
              <Radio.Group
                aria-label={t('admin.security.twoFactorWho')}
                value={field.value}
                onChange={field.onChange}
              >
                <Stack gap="md">
                  {twoFactorRequirements.map((value) => (
                    <Radio
                      key={value}
                      value={value}
                      label={t(`admin.security.twoFactorRule.${value}`)}
                      description={twoFactorInWords(value, t)}
                    />
                  ))}
                </Stack>
              </Radio.Group>
            )}
          />
          {appliesToMe && !session.user.totpEnabled && (
            <Alert color="yellow" icon={<IconInfoCircle size={18} />}>
              {t('admin.security.youToo')}{' '}
              <AnchorLink to="/account/two-factor" search={{}}>
                {t('admin.security.setUpNow')}
              </AnchorLink>
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={save.isPending} disabled={!form.formState.isDirty}>
              {t('admin.security.saveTwoFactor')}
            </Button>
            {form.formState.isDirty && (
              <Button variant="subtle" color="gray" onClick={() => form.reset()}>
                {t('admin.userEditor.discard')}
              </Button>
            )}
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
