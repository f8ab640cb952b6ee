/** The tenant's console users: what each may do, their state and sign-ins, and a way to add one. */
import { Badge, Group, Skeleton, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { IconUserPlus } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { can } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useFormat } from '../i18n/format';
import { AnchorLink, ButtonLink } from '../shell/links';
import { useSession } from '../shell/use-session';
import { usersQuery, type AdminUser } from './api';
import { allFeatures, ANY_FIELD } from './PermissionsEditor';
import { UserStatusBadge } from './UserStatusBadge';
import { UserStatusButton } from './UserStatusButton';

export function UsersPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const session = useSession();
  const users = useQuery({ ...usersQuery, enabled: can(session, 'users.manage') });

  if (!can(session, 'users.manage')) return <ErrorAlert error={forbidden} />;
  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <Title order={2}>{t('admin.users.title')}</Title>
        <ButtonLink to="/admin/users/new" leftSection={<IconUserPlus size={16} />}>
          {t('admin.users.new')}
        </ButtonLink>
      </Group>
      <ErrorAlert error={users.error} />
      {users.isPending ? (
        <Skeleton h={160} />
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped highlightOnHover verticalSpacing="sm">
            <Table.Thead style={nowrap}>
              <Table.Tr>
                <Table.Th>{t('admin.users.email')}</Table.Th>
                <Table.Th>{t('admin.users.permissions')}</Table.Th>
                <Table.Th>{t('admin.users.status')}</Table.Th>
                <Table.Th>
                  <VisuallyHidden>{t('admin.users.actions')}</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.data?.map((user) => {
                const self = user.id === session.user.id;
                return (
                  <Table.Tr key={user.id} data-testid="user-row">
                    {/* Sign-ins and 2FA go under the address and state, so the permissions
                        (the widest column) get the room. */}
                    <Table.Td style={nowrap}>
                      <Group gap="xs" wrap="nowrap">
                        <AnchorLink to="/admin/users/$userId" params={{ userId: user.id }}>
                          {user.email}
                        </AnchorLink>
                        {self && (
                          <Badge size="sm" variant="outline" color="gray" style={noShrink}>
                            {t('admin.users.you')}
                          </Badge>
                        )}
                      </Group>
                      <Text size="xs" c="dimmed" mt={2}>
                        {user.lastLoginAt
                          ? t('admin.users.lastLoginAt', {
                              when: format.dateTime(user.lastLoginAt),
                            })
                          : t('admin.users.neverSignedIn')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <PermissionSummary user={user} />
                    </Table.Td>
                    <Table.Td style={nowrap}>
                      <UserStatusBadge user={user} />
                      <Text size="xs" c="dimmed" mt={4}>
                        {user.totpEnabled
                          ? t('admin.users.twoFactorOn')
                          : t('admin.users.twoFactorOff')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {!self && (
                        <Group gap="xs" wrap="nowrap" justify="flex-end">
                          <ButtonLink
                            size="xs"
                            variant="default"
                            to="/admin/users/$userId"
                            params={{ userId: user.id }}
                          >
                            {t('admin.users.edit')}
                          </ButtonLink>
                          <UserStatusButton user={user} size="xs" />
                        </Group>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

// Short cells stay on one line, so the permissions column takes what room there is.
const nowrap = { whiteSpace: 'nowrap' } as const;
const noShrink = { flexShrink: 0 } as const;

/** A 403 of our own: the page is not for this session (the server refuses it too). */
export const forbidden = new ApiError(403, 'forbidden', 'forbidden');

/** Features as badges (all of them said in one), then lists and masked fields in words. */
function PermissionSummary({ user }: { user: AdminUser }) {
  const { t } = useTranslation();
  const { features, lists, fields } = user.permissions;
  const hidden = Object.entries(fields).filter(([f, a]) => f !== ANY_FIELD && a === 'none');
  const others = fields[ANY_FIELD] ?? 'none';
  return (
    <Stack gap={4}>
      <Group gap={4}>
        {features.length === allFeatures.length ? (
          <Badge variant="light">{t('admin.users.allFeatures')}</Badge>
        ) : features.length === 0 ? (
          <Text span size="sm" c="dimmed">
            {t('admin.users.noFeatures')}
          </Text>
        ) : (
          features.map((feature) => (
            <Badge key={feature} variant="light" color="gray" tt="none">
              {t(`admin.features.${feature}`)}
            </Badge>
          ))
        )}
      </Group>
      <Text size="xs" c="dimmed">
        {lists === 'all'
          ? t('admin.users.allLists')
          : t('admin.users.someLists', { count: lists.length })}
        {' · '}
        {t(`admin.users.otherFields.${others}`)}
        {hidden.length > 0 && ` · ${t('admin.users.hiddenFields', { count: hidden.length })}`}
      </Text>
    </Stack>
  );
}
