/**
 * Disabling or enabling a user. Disabling ends their sessions and revokes their API keys,
 * so it is confirmed first; enabling is not.
 */
import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../forms/ErrorAlert';
import { updateUserCall, userQuery, type AdminUser } from './api';

export function UserStatusButton({ user, size }: { user: AdminUser; size?: 'xs' | 'sm' }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const change = useMutation({
    mutationFn: (disabled: boolean) => updateUserCall(user.id, { disabled }),
    onSuccess: async (saved) => {
      setConfirming(false);
      queryClient.setQueryData(userQuery(saved.id).queryKey, saved);
      await queryClient.invalidateQueries({ queryKey: ['users'], exact: true });
      // Disabling revoked the user's keys.
      await queryClient.invalidateQueries({ queryKey: ['api-keys'] });
      notifications.show({
        color: 'teal',
        message: saved.disabled ? t('admin.users.disabledDone') : t('admin.users.enabledDone'),
      });
    },
  });

  if (user.disabled)
    return (
      <Stack gap={4} align="flex-start">
        <Button
          size={size}
          variant="light"
          loading={change.isPending}
          onClick={() => change.mutate(false)}
        >
          {t('admin.users.enable')}
        </Button>
        <ErrorAlert error={change.error} />
      </Stack>
    );

  return (
    <>
      <Button size={size} variant="light" color="red" onClick={() => setConfirming(true)}>
        {t('admin.users.disable')}
      </Button>
      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t('admin.users.disableTitle')}
      >
        <Stack gap="md">
          <Text size="sm">{t('admin.users.disableIntro', { email: user.email })}</Text>
          <ErrorAlert error={change.error} title={t('admin.users.refused')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </Button>
            <Button color="red" loading={change.isPending} onClick={() => change.mutate(true)}>
              {t('admin.users.disable')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
