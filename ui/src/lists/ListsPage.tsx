/** The tenant's lists with what each one's policies do, and a way to add one. */
import { Badge, Group, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/format';
import { AnchorLink, ButtonLink } from '../shell/links';
import { listsQuery } from '../api/lists';
import { can } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useSession } from '../shell/use-session';

export function ListsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const session = useSession();
  const lists = useQuery(listsQuery);
  const mayCreate = can(session, 'contacts.edit') && session.user.permissions.lists === 'all';

  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <Title order={2}>{t('lists.title')}</Title>
        {mayCreate && (
          <ButtonLink to="/lists/new" leftSection={<IconPlus size={16} />}>
            {t('lists.new')}
          </ButtonLink>
        )}
      </Group>
      <ErrorAlert error={lists.error} />
      {lists.isPending ? (
        <Skeleton h={160} />
      ) : lists.data?.length === 0 ? (
        <Text c="dimmed">{mayCreate ? t('lists.emptyCreate') : t('lists.empty')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped highlightOnHover verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('lists.name')}</Table.Th>
                <Table.Th>{t('lists.consentValidity')}</Table.Th>
                <Table.Th>{t('lists.inactivity')}</Table.Th>
                <Table.Th>{t('lists.tracking')}</Table.Th>
                <Table.Th>{t('lists.created')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {lists.data?.map((list) => (
                <Table.Tr key={list.id}>
                  <Table.Td>
                    <AnchorLink to="/lists/$listId" params={{ listId: list.id }}>
                      {list.name}
                    </AnchorLink>
                  </Table.Td>
                  <Table.Td>
                    {list.consentPolicy
                      ? t('lists.days', { count: list.consentPolicy.validityDays })
                      : t('lists.noLimit')}
                  </Table.Td>
                  <Table.Td>
                    {list.inactivityPolicy
                      ? t('lists.days', { count: list.inactivityPolicy.thresholdDays })
                      : t('lists.noRule')}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={list.tracking ? 'teal' : 'gray'} variant="light">
                      {list.tracking ? t('common.on') : t('common.off')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{format.date(list.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
