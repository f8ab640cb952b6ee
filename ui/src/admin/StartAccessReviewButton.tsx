/**
 * Starting an access review now, confirmed first: it mails every admin and, once its grace
 * period ends, disables the flagged users and revokes the flagged keys nobody confirmed.
 * Started, the page goes to the new review, which appears once its workflow opened it.
 */
import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { IconPlayerPlay } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../forms/ErrorAlert';
import { accessReviewsQuery, startAccessReviewCall } from './api';

export function StartAccessReviewButton() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const start = useMutation({
    mutationFn: startAccessReviewCall,
    onSuccess: async ({ id }) => {
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: accessReviewsQuery.queryKey });
      await navigate({ to: '/admin/access-reviews/$reviewId', params: { reviewId: id } });
    },
  });
  return (
    <>
      <Button leftSection={<IconPlayerPlay size={16} />} onClick={() => setConfirming(true)}>
        {t('admin.accessReviews.start')}
      </Button>
      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t('admin.accessReviews.startTitle')}
      >
        <Stack gap="md">
          <Text size="sm">{t('admin.accessReviews.startIntro')}</Text>
          <ErrorAlert error={start.error} title={t('admin.accessReviews.startRefused')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </Button>
            <Button loading={start.isPending} onClick={() => start.mutate()}>
              {t('admin.accessReviews.start')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
