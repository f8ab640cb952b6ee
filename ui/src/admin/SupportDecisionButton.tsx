/**
 * Approving, denying or revoking a support-access request, each confirmed first, saying what
 * follows: an approval lets staff read personal data for the hours asked, from now; a
 * revocation stops every key minted under the grant. A request decided meanwhile (by another
 * admin, or expired) is a 409 shown in the dialog, and the list is read again.
 */
import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../forms/ErrorAlert';
import {
  decideSupportAccessCall,
  supportAccessQuery,
  type SupportDecision,
  type SupportRequest,
} from './api';
import { FeatureBadges } from './FeatureBadges';

const look = {
  approve: { color: 'teal', variant: 'filled' },
  deny: { color: 'gray', variant: 'default' },
  revoke: { color: 'red', variant: 'light' },
} as const;

export function SupportDecisionButton(props: {
  request: SupportRequest;
  decision: SupportDecision;
}) {
  const { request, decision } = props;
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const decide = useMutation({
    mutationFn: () => decideSupportAccessCall(request.id, decision),
    onSuccess: () => {
      setConfirming(false);
      notifications.show({
        color: 'teal',
        message: t(`admin.supportAccess.${decision}.done`, { who: request.requestedBy }),
      });
    },
    // Decided or not, the list shows the request as it now stands.
    onSettled: () => queryClient.invalidateQueries({ queryKey: supportAccessQuery.queryKey }),
  });
  const words = `admin.supportAccess.${decision}` as const;
  return (
    <>
      <Button
        size="xs"
        color={look[decision].color}
        variant={look[decision].variant}
        onClick={() => {
          decide.reset();
          setConfirming(true);
        }}
      >
        {t(`${words}.button`)}
      </Button>
      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t(`${words}.title`, { who: request.requestedBy })}
      >
        <Stack gap="md">
          <Text size="sm" fs="italic">
            “{request.reason}”
          </Text>
          <FeatureBadges features={request.scopes} />
          <Text size="sm">{t(`${words}.intro`, { count: request.hours })}</Text>
          <ErrorAlert error={decide.error} title={t('admin.supportAccess.refused')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </Button>
            <Button
              color={decision === 'approve' ? 'teal' : 'red'}
              loading={decide.isPending}
              onClick={() => decide.mutate()}
            >
              {t(`${words}.button`)}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
