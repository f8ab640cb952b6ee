/**
 * The rights requests queue, soonest due first: status, how long is left of the month,
 * identity verification, extension (with the reason the subject is told), the evidence
 * record and, for access requests, the archive; each links to its workflow.
 */
import {
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconExternalLink } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/format';
import { extendRightsRequest, rightsRequestsQuery, verifyRightsRequest } from '../api/contacts';
import {
  rightsRequestStatuses,
  rightsRequestTypes,
  type RightsRequest,
  type RightsRequestStatus,
} from '../api/types';
import { ErrorAlert } from '../forms/ErrorAlert';
import { temporalWorkflowUrl } from '../shell/temporal-link';

const route = getRouteApi('/authenticated/rights');
const DAY = 86_400_000;

const statusColor: Record<RightsRequestStatus, string> = {
  verifying: 'yellow',
  in_progress: 'blue',
  completed: 'teal',
  rejected: 'gray',
  overdue: 'red',
};

export function RightsQueuePage() {
  const { t } = useTranslation();
  const format = useFormat();
  const search = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const requests = useQuery(rightsRequestsQuery(search));
  const [extending, setExtending] = useState<RightsRequest>();
  // Days left are counted from when the queue was fetched (it refetches every 15 s).
  const now = requests.dataUpdatedAt;
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['rights-requests'] });
  const verify = useMutation({
    mutationFn: verifyRightsRequest,
    onSuccess: async () => {
      notifications.show({ color: 'teal', message: t('rights.verified') });
      await refresh();
    },
  });

  return (
    <Stack gap="lg">
      <Title order={2}>{t('rights.title')}</Title>
      <Group align="flex-end">
        <Select
          label={t('rights.filterStatus')}
          placeholder={t('rights.any')}
          clearable
          data={rightsRequestStatuses.map((s) => ({ value: s, label: t(`rightsStatus.${s}`) }))}
          value={search.status ?? null}
          onChange={(status) =>
            void navigate({
              to: '/rights',
              search: { ...search, status: (status as RightsRequestStatus) ?? undefined },
            })
          }
          w={200}
        />
        <Select
          label={t('rights.filterType')}
          placeholder={t('rights.any')}
          clearable
          data={rightsRequestTypes.map((s) => ({ value: s, label: t(`rightsType.${s}`) }))}
          value={search.type ?? null}
          onChange={(type) =>
            void navigate({
              to: '/rights',
              search: {
                ...search,
                type: (type as (typeof rightsRequestTypes)[number]) ?? undefined,
              },
            })
          }
          w={200}
        />
      </Group>
      <ErrorAlert error={requests.error ?? verify.error} />
      {requests.isPending ? (
        <Skeleton h={200} />
      ) : requests.data?.length === 0 ? (
        <Text c="dimmed">{t('rights.empty')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={880}>
          <Table verticalSpacing="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('rights.type')}</Table.Th>
                <Table.Th>{t('rights.status')}</Table.Th>
                <Table.Th>{t('rights.received')}</Table.Th>
                <Table.Th>{t('rights.due')}</Table.Th>
                <Table.Th>{t('rights.identity')}</Table.Th>
                <Table.Th>{t('rights.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {requests.data?.map((r) => {
                const open = r.status !== 'completed' && r.status !== 'rejected';
                const daysLeft = Math.ceil((Date.parse(r.dueAt) - now) / DAY);
                const workflowUrl = temporalWorkflowUrl(r.workflowId);
                return (
                  <Table.Tr key={r.id} data-testid="rights-row">
                    <Table.Td>{t(`rightsType.${r.type}`)}</Table.Td>
                    <Table.Td>
                      <Badge color={statusColor[r.status]} variant="light">
                        {t(`rightsStatus.${r.status}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{format.date(r.receivedAt)}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{format.date(r.dueAt)}</Text>
                      {open && (
                        <Text size="xs" c={daysLeft < 7 ? 'red' : 'dimmed'}>
                          {daysLeft >= 0
                            ? t('rights.daysLeft', { count: daysLeft })
                            : t('rights.daysLate', { count: -daysLeft })}
                          {r.extendedMonths > 0 &&
                            ` · ${t('rights.extendedBy', { count: r.extendedMonths })}`}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {r.verifiedAt ? (
                        <Text size="sm">
                          {t('rights.verifiedOn', {
                            date: format.date(r.verifiedAt),
                          })}
                        </Text>
                      ) : open ? (
                        <Button
                          size="compact-sm"
                          variant="light"
                          loading={verify.isPending && verify.variables === r.id}
                          onClick={() => verify.mutate(r.id)}
                        >
                          {t('rights.verify')}
                        </Button>
                      ) : (
                        '—'
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        {open && r.extendedMonths < 2 && (
                          <Button
                            size="compact-sm"
                            variant="subtle"
                            onClick={() => setExtending(r)}
                          >
                            {t('rights.extend')}
                          </Button>
                        )}
                        <Anchor size="sm" href={`/api/v1/rights-requests/${r.id}/evidence`}>
                          {t('rights.evidence')}
                        </Anchor>
                        {r.status === 'completed' &&
                          (r.type === 'access' || r.type === 'portability') && (
                            <Anchor size="sm" href={`/api/v1/rights-requests/${r.id}/export`}>
                              {t('rights.archive')}
                            </Anchor>
                          )}
                        {workflowUrl && (
                          <Tooltip label={t('common.openInTemporal')}>
                            <Anchor
                              href={workflowUrl}
                              target="_blank"
                              rel="noreferrer"
                              aria-label={t('common.openInTemporal')}
                            >
                              <IconExternalLink size={16} />
                            </Anchor>
                          </Tooltip>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ExtendDialog request={extending} onClose={() => setExtending(undefined)} onDone={refresh} />
    </Stack>
  );
}

function ExtendDialog({
  request,
  onClose,
  onDone,
}: {
  request: RightsRequest | undefined;
  onClose: () => void;
  onDone: () => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const [months, setMonths] = useState<'1' | '2'>('1');
  const [reason, setReason] = useState('');
  const extend = useMutation({
    mutationFn: () =>
      extendRightsRequest(request!.id, { months: Number(months) as 1 | 2, reason: reason.trim() }),
    onSuccess: async (updated) => {
      notifications.show({
        color: 'teal',
        message: t('rights.extended', { date: format.date(updated.dueAt) }),
      });
      setReason('');
      onClose();
      await onDone();
    },
  });
  const remaining = 2 - (request?.extendedMonths ?? 0);
  return (
    <Modal opened={Boolean(request)} onClose={onClose} title={t('rights.extendTitle')}>
      <Stack gap="md">
        <Text size="sm">{t('rights.extendIntro')}</Text>
        <ErrorAlert error={extend.error} />
        <SegmentedControl
          value={months}
          onChange={(v) => setMonths(v as '1' | '2')}
          data={[
            { value: '1', label: t('rights.months', { count: 1 }) },
            { value: '2', label: t('rights.months', { count: 2 }), disabled: remaining < 2 },
          ]}
        />
        <Textarea
          label={t('rights.reason')}
          description={t('rights.reasonHelp')}
          required
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          minRows={3}
          autosize
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button
            onClick={() => extend.mutate()}
            loading={extend.isPending}
            disabled={!reason.trim()}
          >
            {t('rights.extend')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
