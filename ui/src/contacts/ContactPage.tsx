/**
 * One data subject: the data held (masked where the user may not see it), the status on each
 * list, the consent proof as a timeline, open rights requests, and the rights actions.
 */
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Menu,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Timeline,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconChevronDown, IconLock } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/format';
import { AnchorLink } from '../shell/links';
import { contactQuery, openRightsRequest } from '../api/contacts';
import { listsQuery } from '../api/lists';
import { can } from '../api/session';
import { rightsRequestTypes, type RightsRequestType } from '../api/types';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useSession } from '../shell/use-session';
import { statusColor } from './ContactSearchPage';

const MASK = '***';

export function ContactPage({ contactId }: { contactId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const session = useSession();
  const queryClient = useQueryClient();
  const contact = useQuery(contactQuery(contactId));
  const lists = useQuery(listsQuery);
  const listName = (id: string) => lists.data?.find((l) => l.id === id)?.name ?? id;
  const open = useMutation({
    mutationFn: (type: RightsRequestType) => openRightsRequest({ type, contactId }),
    onSuccess: async (request) => {
      notifications.show({
        color: 'teal',
        message: t('contact.requestOpened', { type: t(`rightsType.${request.type}`) }),
      });
      await queryClient.invalidateQueries({ queryKey: ['contacts', contactId] });
      await queryClient.invalidateQueries({ queryKey: ['rights-requests'] });
    },
  });

  if (contact.isPending) return <Skeleton h={400} />;
  if (contact.error) return <ErrorAlert error={contact.error} />;
  const c = contact.data;
  const value = (v: string | null) =>
    v === MASK ? (
      <Group gap={4} component="span">
        <IconLock size={14} aria-hidden />
        <Text span c="dimmed">
          {t('contact.masked')}
        </Text>
      </Group>
    ) : (
      (v ?? '—')
    );

  return (
    <Stack gap="lg" maw={1100}>
      <Group justify="space-between" align="flex-start">
        <Stack gap={2}>
          <Title order={2}>{c.email === MASK ? t('contact.titleMasked') : c.email}</Title>
          <Text size="sm" c="dimmed">
            {t('contact.id', { id: c.id })}
          </Text>
        </Stack>
        {can(session, 'rights.manage') && (
          <Menu position="bottom-end">
            <Menu.Target>
              <Button rightSection={<IconChevronDown size={16} />} loading={open.isPending}>
                {t('contact.rightsAction')}
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {rightsRequestTypes
                .filter((type) => type !== 'rectification')
                .map((type) => (
                  <Menu.Item key={type} onClick={() => open.mutate(type)}>
                    {t(`rightsType.${type}`)}
                  </Menu.Item>
                ))}
            </Menu.Dropdown>
          </Menu>
        )}
      </Group>
      <ErrorAlert error={open.error} />
      {(c.restricted || c.trackingObjection.length > 0) && (
        <Group>
          {c.restricted && <Badge color="orange">{t('contact.restricted')}</Badge>}
          {c.trackingObjection.length > 0 && (
            <Badge color="grape">{t('contact.trackingObjection')}</Badge>
          )}
        </Group>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Card withBorder>
          <Title order={3} size="h4" mb="sm">
            {t('contact.data')}
          </Title>
          <Table>
            <Table.Tbody>
              <Row label={t('contact.email')}>{value(c.email)}</Row>
              <Row label={t('contact.firstName')}>{value(c.firstName)}</Row>
              <Row label={t('contact.lastName')}>{value(c.lastName)}</Row>
              <Row label={t('contact.phone')}>{value(c.phone)}</Row>
              {Object.entries(c.fields).map(([name, v]) => (
                <Row key={name} label={name}>
                  {value(v)}
                </Row>
              ))}
              <Row label={t('contact.createdAt')}>{format.dateTime(c.createdAt)}</Row>
            </Table.Tbody>
          </Table>
        </Card>
        <Card withBorder>
          <Title order={3} size="h4" mb="sm">
            {t('contact.listsTitle')}
          </Title>
          <Stack gap="xs">
            {c.lists.map((m) => (
              <Group key={m.listId} justify="space-between">
                <AnchorLink to="/lists/$listId" params={{ listId: m.listId }}>
                  {listName(m.listId)}
                </AnchorLink>
                <Badge variant="light" color={statusColor[m.status]}>
                  {t(`status.${m.status}`)}
                </Badge>
              </Group>
            ))}
          </Stack>
          {c.rightsRequests.length > 0 && (
            <Alert mt="md" color="blue" title={t('contact.openRequests')}>
              {c.rightsRequests.map((r) => (
                <Text key={r.id} size="sm">
                  {t(`rightsType.${r.type}`)} · {t(`rightsStatus.${r.status}`)} ·{' '}
                  {t('rights.dueOn', { date: format.date(r.dueAt) })}
                </Text>
              ))}
            </Alert>
          )}
        </Card>
      </SimpleGrid>
      <Card withBorder>
        <Title order={3} size="h4" mb="md">
          {t('contact.consentTimeline')}
        </Title>
        {c.consent.length === 0 ? (
          <Text c="dimmed">{t('contact.noConsent')}</Text>
        ) : (
          <Timeline bulletSize={14} lineWidth={2}>
            {c.consent.map((record, i) => (
              <Timeline.Item
                key={i}
                title={`${t(`consentAction.${record.action}`)} · ${listName(record.listId)}`}
              >
                <Text size="sm" c="dimmed">
                  {format.dateTime(record.at)} ·{' '}
                  {t(`consentSource.${record.source.kind}`, { defaultValue: record.source.kind })}
                  {record.textVersion &&
                    ` · ${t('contact.textVersion', { v: record.textVersion })}`}
                </Text>
                {(record.ip || record.userAgent) && (
                  <Text size="xs" c="dimmed">
                    {record.ip === MASK ? t('contact.ipMasked') : record.ip}
                    {record.userAgent && record.userAgent !== MASK && ` · ${record.userAgent}`}
                  </Text>
                )}
              </Timeline.Item>
            ))}
          </Timeline>
        )}
      </Card>
    </Stack>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th w="40%" fw={500} c="dimmed">
        {label}
      </Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}
