/**
 * Enrolling an authenticator app: the QR code and its secret, a code to prove it works,
 * then the recovery codes, shown this once. Forced when the tenant requires 2FA.
 */
import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Image,
  List,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { confirmTotp, refreshSession, startTotpEnrolment } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { safeRedirect } from '../router-paths';
import { useSession } from '../shell/use-session';
import { AuthCard } from './AuthCard';

const route = getRouteApi('/authenticated/account/two-factor');

export function TwoFactorPage() {
  const { t } = useTranslation();
  const session = useSession();
  const { redirect } = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const enrolment = useMutation({ mutationFn: startTotpEnrolment });
  const confirmation = useMutation({
    mutationFn: confirmTotp,
    onSuccess: () => refreshSession(queryClient),
  });

  if (confirmation.data)
    return (
      <AuthCard title={t('twoFactor.recoveryTitle')} intro={t('twoFactor.recoveryIntro')}>
        <SimpleGrid cols={2} spacing="xs" data-testid="recovery-codes">
          {confirmation.data.recoveryCodes.map((c) => (
            <Code key={c} fz="md" ta="center">
              {c}
            </Code>
          ))}
        </SimpleGrid>
        <CopyButton value={confirmation.data.recoveryCodes.join('\n')}>
          {({ copied, copy }) => (
            <Button variant="light" onClick={copy}>
              {copied ? t('common.copied') : t('twoFactor.copyCodes')}
            </Button>
          )}
        </CopyButton>
        <Button onClick={() => void navigate({ href: safeRedirect(redirect) })}>
          {t('twoFactor.done')}
        </Button>
      </AuthCard>
    );

  return (
    <AuthCard
      title={t('twoFactor.title')}
      intro={
        session.totpEnrolmentRequired
          ? t('twoFactor.forcedIntro')
          : session.user.totpEnabled
            ? t('twoFactor.replaceIntro')
            : t('twoFactor.intro')
      }
    >
      <ErrorAlert error={enrolment.error ?? confirmation.error} />
      {!enrolment.data ? (
        <Button onClick={() => enrolment.mutate()} loading={enrolment.isPending}>
          {t('twoFactor.start')}
        </Button>
      ) : (
        <Stack gap="md">
          <List type="ordered" size="sm" spacing={4}>
            <List.Item>{t('twoFactor.step1')}</List.Item>
            <List.Item>{t('twoFactor.step2')}</List.Item>
          </List>
          <Image src={enrolment.data.qrCode} alt={t('twoFactor.qrAlt')} w={200} h={200} mx="auto" />
          <Text size="sm" c="dimmed">
            {t('twoFactor.secret')}
          </Text>
          <Code block data-testid="totp-secret">
            {enrolment.data.secret}
          </Code>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              confirmation.mutate(code);
            }}
          >
            <Stack gap="sm">
              <TextInput
                label={t('twoFactor.code')}
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={6}
                w={200}
                value={code}
                onChange={(e) => setCode(e.currentTarget.value.replace(/\D/g, ''))}
              />
              <Group>
                <Button type="submit" loading={confirmation.isPending} disabled={code.length < 6}>
                  {t('twoFactor.confirm')}
                </Button>
              </Group>
            </Stack>
          </form>
        </Stack>
      )}
      {!session.totpEnrolmentRequired && !enrolment.data && (
        <Alert color="gray" variant="light">
          {session.user.totpEnabled ? t('twoFactor.enabled') : t('twoFactor.notEnabled')}
        </Alert>
      )}
    </AuthCard>
  );
}
