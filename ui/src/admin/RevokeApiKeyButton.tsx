/**
 * Revoking an API key, confirmed first: integrations using it stop working and it cannot
 * be undone (a new key must be made and handed over instead).
 */
import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../forms/ErrorAlert';
import { apiKeysQuery, revokeApiKeyCall, type ApiKey } from './api';

export function RevokeApiKeyButton({ apiKey }: { apiKey: ApiKey }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({
    mutationFn: () => revokeApiKeyCall(apiKey.id),
    onSuccess: async () => {
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: apiKeysQuery.queryKey });
      notifications.show({
        color: 'teal',
        message: t('admin.apiKeys.revokedDone', { name: apiKey.name }),
      });
    },
  });
  return (
    <>
      <Button size="xs" variant="light" color="red" onClick={() => setConfirming(true)}>
        {t('admin.apiKeys.revoke')}
      </Button>
      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t('admin.apiKeys.revokeTitle', { name: apiKey.name })}
      >
        <Stack gap="md">
          <Text size="sm">{t('admin.apiKeys.revokeIntro')}</Text>
          <ErrorAlert error={revoke.error} title={t('admin.apiKeys.refused')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </Button>
            <Button color="red" loading={revoke.isPending} onClick={() => revoke.mutate()}>
              {t('admin.apiKeys.revoke')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
