/**
 * The tenant's security policy: the password policy and who must use a second factor, each
 * read and saved on its own (they are two routes, and each change is logged on its own).
 */
import { Skeleton, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { can } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useSession } from '../shell/use-session';
import { passwordPolicyQuery, twoFactorQuery } from './api';
import { PasswordPolicyForm } from './PasswordPolicyForm';
import { TwoFactorForm } from './TwoFactorForm';
import { forbidden } from './UsersPage';

export function SecurityPage() {
  const { t } = useTranslation();
  const session = useSession();
  const allowed = can(session, 'users.manage');
  const policy = useQuery({ ...passwordPolicyQuery, enabled: allowed });
  const twoFactor = useQuery({ ...twoFactorQuery, enabled: allowed });

  if (!allowed) return <ErrorAlert error={forbidden} />;
  return (
    <Stack gap="lg" maw={880}>
      <Stack gap={4}>
        <Title order={2}>{t('admin.security.title')}</Title>
        <Text size="sm" c="dimmed" maw={640}>
          {t('admin.security.intro')}
        </Text>
      </Stack>
      {/* Each form starts from what the server holds, so one appears only once it is read. */}
      {policy.data ? (
        <PasswordPolicyForm policy={policy.data} />
      ) : policy.isPending ? (
        <Skeleton h={420} radius="md" />
      ) : (
        <ErrorAlert error={policy.error} />
      )}
      {twoFactor.data ? (
        <TwoFactorForm rule={twoFactor.data} />
      ) : twoFactor.isPending ? (
        <Skeleton h={240} radius="md" />
      ) : (
        <ErrorAlert error={twoFactor.error} />
      )}
    </Stack>
  );
}
