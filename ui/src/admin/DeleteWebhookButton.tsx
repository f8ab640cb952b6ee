/**
 * Deleting a webhook, confirmed first: its deliveries go with it, one waiting for a retry is
 * never sent, and the receiver hears of no more events (the API cannot pause an endpoint).
 */
import { Button, Code, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../forms/ErrorAlert';
import { deleteWebhookCall, webhooksQuery, type Webhook } from './api';

export function DeleteWebhookButton({ webhook }: { webhook: Webhook }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => deleteWebhookCall(webhook.id),
    onSuccess: async () => {
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: webhooksQuery.queryKey });
      notifications.show({ color: 'teal', message: t('admin.webhooks.deleted') });
    },
  });
  return (
    <>
      <Button size="xs" variant="light" color="red" onClick={() => setConfirming(true)}>
        {t('admin.webhooks.delete')}
      </Button>
      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t('admin.webhooks.deleteTitle')}
      >
        <Stack gap="md">
          <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
            {webhook.url}
          </Code>
          <Text size="sm">{t('admin.webhooks.deleteIntro')}</Text>
          <ErrorAlert error={remove.error} title={t('admin.webhooks.deleteRefused')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </Button>
            <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
              {t('admin.webhooks.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
