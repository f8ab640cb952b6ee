/**
 * The tenant's webhooks, oldest first: where each sends which events, who made it, and a
 * way to make one, see its latest deliveries and delete it. The API has no way to pause or
 * edit an endpoint, so neither does the page; its secret is shown once, when it is made.
 */
import { Badge, Group, Skeleton, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { can } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useFormat } from '../i18n/format';
import { useSession } from '../shell/use-session';
import { usersQuery, webhooksQuery, type Webhook } from './api';
import { DeleteWebhookButton } from './DeleteWebhookButton';
import { NewWebhookButton } from './NewWebhookButton';
import { forbidden } from './UsersPage';
import { WebhookDeliveriesButton } from './WebhookDeliveriesButton';

export function WebhooksPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const session = useSession();
  const allowed = can(session, 'users.manage');
  const webhooks = useQuery({ ...webhooksQuery, enabled: allowed });
  // Makers by address; one made with an API key says so.
  const users = useQuery({ ...usersQuery, enabled: allowed });
  const maker = ({ createdBy }: Webhook) =>
    createdBy.kind === 'api_key'
      ? t('admin.webhooks.byKey')
      : createdBy.id === session.user.id
        ? t('admin.apiKeys.byYou')
        : t('admin.apiKeys.by', {
            who: users.data?.find((u) => u.id === createdBy.id)?.email ?? createdBy.id,
          });

  if (!allowed) return <ErrorAlert error={forbidden} />;
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={2}>{t('admin.webhooks.title')}</Title>
          <Text size="sm" c="dimmed" maw={640}>
            {t('admin.webhooks.intro')}
          </Text>
        </Stack>
        <NewWebhookButton />
      </Group>
      <ErrorAlert error={webhooks.error} />
      {webhooks.isPending ? (
        <Skeleton h={160} />
      ) : webhooks.data?.length === 0 ? (
        <Text c="dimmed" ta="center" py="xl">
          {t('admin.webhooks.none')}
        </Text>
      ) : (
        webhooks.data && (
          <Table.ScrollContainer minWidth={860}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead style={nowrap}>
                <Table.Tr>
                  <Table.Th>{t('admin.webhooks.url')}</Table.Th>
                  <Table.Th>{t('admin.webhooks.events')}</Table.Th>
                  <Table.Th>{t('admin.apiKeys.created')}</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>{t('admin.users.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {webhooks.data.map((webhook) => (
                  <Table.Tr key={webhook.id} data-testid="webhook-row">
                    <Table.Td maw={340} style={{ wordBreak: 'break-all' }}>
                      <Text size="sm" ff="monospace">
                        {webhook.url}
                      </Text>
                    </Table.Td>
                    <Table.Td maw={380}>
                      <Group gap={4}>
                        {webhook.events.map((event) => (
                          <Badge key={event} variant="light" color="gray" tt="none">
                            {t(`admin.webhooks.event.${event}`)}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td style={nowrap}>
                      <Text size="sm">{format.dateTime(webhook.createdAt)}</Text>
                      <Text size="xs" c="dimmed">
                        {maker(webhook)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap" justify="flex-end">
                        <WebhookDeliveriesButton webhook={webhook} />
                        <DeleteWebhookButton webhook={webhook} />
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

// Dates and buttons stay on one line, so the URL and events get the room.
const nowrap = { whiteSpace: 'nowrap' } as const;
