/**
 * Platform staff's requests for a time-boxed look at the tenant's personal data, newest
 * first: who asked, why, for how long and to do what, and how each stands. A pending request
 * is approved or denied here, an approved grant revoked; only a console session decides
 * (the server refuses an API key, which the platform may have minted itself).
 */
import { Badge, Group, Skeleton, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { can } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useFormat } from '../i18n/format';
import { useSession } from '../shell/use-session';
import { FeatureBadges } from './FeatureBadges';
import { supportAccessQuery, usersQuery, type SupportRequest } from './api';
import type { SupportGrantStatus } from './integration-words';
import { SupportDecisionButton } from './SupportDecisionButton';
import { forbidden } from './UsersPage';

const statusColor: Record<SupportGrantStatus, string> = {
  pending: 'yellow',
  approved: 'teal',
  denied: 'gray',
  revoked: 'red',
  expired: 'gray',
};

export function SupportAccessPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const session = useSession();
  const allowed = can(session, 'users.manage');
  const requests = useQuery({ ...supportAccessQuery, enabled: allowed });
  const users = useQuery({ ...usersQuery, enabled: allowed });
  const who = (id: string) =>
    id === session.user.id
      ? t('admin.supportAccess.you')
      : (users.data?.find((u) => u.id === id)?.email ?? id);

  if (!allowed) return <ErrorAlert error={forbidden} />;
  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Title order={2}>{t('admin.supportAccess.title')}</Title>
        <Text size="sm" c="dimmed" maw={680}>
          {t('admin.supportAccess.intro')}
        </Text>
      </Stack>
      <ErrorAlert error={requests.error} />
      {requests.isPending ? (
        <Skeleton h={160} />
      ) : requests.data?.length === 0 ? (
        <Text c="dimmed" ta="center" py="xl">
          {t('admin.supportAccess.none')}
        </Text>
      ) : (
        requests.data && (
          <Table.ScrollContainer minWidth={900}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead style={nowrap}>
                <Table.Tr>
                  <Table.Th>{t('admin.supportAccess.requested')}</Table.Th>
                  <Table.Th>{t('admin.supportAccess.reason')}</Table.Th>
                  <Table.Th>{t('admin.supportAccess.access')}</Table.Th>
                  <Table.Th>{t('admin.users.status')}</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>{t('admin.users.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {requests.data.map((request) => (
                  <Table.Tr key={request.id} data-testid="support-request" style={alignTop}>
                    <Table.Td style={nowrap}>
                      <Text size="sm" fw={500}>
                        {request.requestedBy}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {format.dateTime(request.requestedAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td maw={360}>
                      <Text size="sm">{request.reason}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" style={nowrap}>
                        {t('admin.supportAccess.hours', { count: request.hours })}
                      </Text>
                      <Stack mt={4}>
                        <FeatureBadges features={request.scopes} />
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={statusColor[request.status]} variant="light" miw="max-content">
                        {t(`admin.supportAccess.status.${request.status}`)}
                      </Badge>
                      <StatusDetail request={request} who={who} />
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap" justify="flex-end">
                        {request.status === 'pending' && (
                          <>
                            <SupportDecisionButton request={request} decision="approve" />
                            <SupportDecisionButton request={request} decision="deny" />
                          </>
                        )}
                        {request.status === 'approved' && (
                          <SupportDecisionButton request={request} decision="revoke" />
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )
      )}
    </Stack>
  );
}

/** Who decided and when, and until when an approved grant runs. */
function StatusDetail({ request, who }: { request: SupportRequest; who: (id: string) => string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const lines: string[] = [];
  if (request.decidedBy && request.decidedAt)
    lines.push(
      t('admin.supportAccess.decidedBy', {
        who: who(request.decidedBy),
        when: format.dateTime(request.decidedAt),
      }),
    );
  if (request.status === 'approved' && request.approvedUntil)
    lines.push(t('admin.supportAccess.until', { when: format.dateTime(request.approvedUntil) }));
  if (request.endedAt && request.status !== 'denied')
    lines.push(t('admin.supportAccess.ended', { when: format.dateTime(request.endedAt) }));
  return lines.map((line) => (
    <Text key={line} size="xs" c="dimmed" mt={4} maw={240}>
      {line}
    </Text>
  ));
}

const nowrap = { whiteSpace: 'nowrap' } as const;
// Cells of several lines start level, so a row reads across.
const alignTop = { verticalAlign: 'top' } as const;
