/**
 * The first page after sign-in: the requests whose month runs out soonest, the lists, and
 * whether the services the product runs on are up.
 */
import { Badge, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/format';
import { AnchorLink } from '../shell/links';
import { rightsRequestsQuery } from '../api/contacts';
import { listsQuery } from '../api/lists';
import { can } from '../api/session';
import { useSession } from '../shell/use-session';

interface Health {
  status: string;
  temporal: string;
  mongo: string;
  smtp: string;
}

export function DashboardPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const session = useSession();
  const lists = useQuery(listsQuery);
  const rights = useQuery({
    ...rightsRequestsQuery({}),
    enabled: can(session, 'rights.manage'),
  });
  const health = useQuery({
    queryKey: ['healthz'],
    // /healthz answers 503 with the same body when something is down.
    queryFn: async () => (await (await fetch('/healthz')).json()) as Health,
    refetchInterval: 30_000,
  });
  const open = (rights.data ?? []).filter(
    (r) => r.status !== 'completed' && r.status !== 'rejected',
  );

  return (
    <Stack gap="lg">
      <Title order={2}>{t('dashboard.title')}</Title>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="lg">
        {can(session, 'rights.manage') && (
          <Card withBorder>
            <Text size="sm" c="dimmed">
              {t('dashboard.openRequests')}
            </Text>
            <Text fz={32} fw={700} data-testid="open-requests">
              {rights.data ? open.length : '…'}
            </Text>
            <Stack gap={4} mt="xs">
              {open.slice(0, 3).map((r) => (
                <Text key={r.id} size="sm">
                  {t(`rightsType.${r.type}`)} · {t('rights.dueOn', { date: format.date(r.dueAt) })}
                </Text>
              ))}
            </Stack>
            <AnchorLink to="/rights" size="sm" mt="sm">
              {t('dashboard.toQueue')}
            </AnchorLink>
          </Card>
        )}
        <Card withBorder>
          <Text size="sm" c="dimmed">
            {t('dashboard.lists')}
          </Text>
          <Text fz={32} fw={700}>
            {lists.data ? lists.data.length : '…'}
          </Text>
          <AnchorLink to="/lists" size="sm" mt="sm">
            {t('dashboard.toLists')}
          </AnchorLink>
        </Card>
        <Card withBorder>
          <Text size="sm" c="dimmed" mb="xs">
            {t('dashboard.services')}
          </Text>
          <Stack gap={6}>
            {(['temporal', 'mongo', 'smtp'] as const).map((service) => (
              <Group key={service} justify="space-between">
                <Text size="sm">{t(`dashboard.service.${service}`)}</Text>
                <Badge
                  color={health.data ? (health.data[service] === 'ok' ? 'teal' : 'red') : 'gray'}
                  variant="light"
                >
                  {health.data ? health.data[service] : '…'}
                </Badge>
              </Group>
            ))}
          </Stack>
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
