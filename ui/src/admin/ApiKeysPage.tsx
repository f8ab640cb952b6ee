/**
 * The tenant's API keys, newest first, revoked ones included (what was made, by whom, when
 * last used): a way to make one and to revoke one. The keys themselves are never listed.
 */
import { Badge, Group, Skeleton, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { can } from '../api/session';
import type { Feature } from '../api/types';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useFormat } from '../i18n/format';
import { useSession } from '../shell/use-session';
import { apiKeysQuery, usersQuery, type ApiKey } from './api';
import { NewApiKeyButton } from './NewApiKeyButton';
import { allFeatures } from './PermissionsEditor';
import { RevokeApiKeyButton } from './RevokeApiKeyButton';
import { forbidden } from './UsersPage';

export function ApiKeysPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const session = useSession();
  const allowed = can(session, 'users.manage');
  const keys = useQuery({ ...apiKeysQuery, enabled: allowed });
  // Creators by address; a key made outside the console (a script) shows its maker's id.
  const users = useQuery({ ...usersQuery, enabled: allowed });
  const creator = (id: string) =>
    id === session.user.id
      ? t('admin.apiKeys.byYou')
      : t('admin.apiKeys.by', { who: users.data?.find((u) => u.id === id)?.email ?? id });

  if (!allowed) return <ErrorAlert error={forbidden} />;
  const newestFirst = [...(keys.data ?? [])].reverse();
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={2}>{t('admin.apiKeys.title')}</Title>
          <Text size="sm" c="dimmed" maw={640}>
            {t('admin.apiKeys.intro')}
          </Text>
        </Stack>
        <NewApiKeyButton />
      </Group>
      <ErrorAlert error={keys.error} />
      {keys.isPending ? (
        <Skeleton h={160} />
      ) : keys.data && newestFirst.length === 0 ? (
        <Text c="dimmed" ta="center" py="xl">
          {t('admin.apiKeys.none')}
        </Text>
      ) : (
        keys.data && (
          <Table.ScrollContainer minWidth={900}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead style={nowrap}>
                <Table.Tr>
                  <Table.Th>{t('admin.apiKeys.name')}</Table.Th>
                  <Table.Th>{t('admin.apiKeys.scopes')}</Table.Th>
                  <Table.Th>{t('admin.apiKeys.created')}</Table.Th>
                  <Table.Th>{t('admin.apiKeys.lastUsed')}</Table.Th>
                  <Table.Th>{t('admin.users.status')}</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>{t('admin.users.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {newestFirst.map((key) => (
                  <Table.Tr
                    key={key.id}
                    data-testid="api-key-row"
                    style={key.revokedAt ? { opacity: 0.6 } : undefined}
                  >
                    <Table.Td fw={500}>{key.name}</Table.Td>
                    <Table.Td maw={360}>
                      <Scopes scopes={key.scopes} />
                    </Table.Td>
                    <Table.Td style={nowrap}>
                      <Text size="sm">{format.dateTime(key.createdAt)}</Text>
                      <Text size="xs" c="dimmed">
                        {creator(key.createdBy)}
                      </Text>
                    </Table.Td>
                    <Table.Td style={nowrap}>
                      {key.lastUsedAt ? (
                        format.dateTime(key.lastUsedAt)
                      ) : (
                        <Text span size="sm" c="dimmed">
                          {t('admin.users.never')}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <KeyStatus apiKey={key} />
                    </Table.Td>
                    <Table.Td ta="right">
                      {!key.revokedAt && <RevokeApiKeyButton apiKey={key} />}
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

// Dates stay on one line, so the scopes column takes what room there is.
const nowrap = { whiteSpace: 'nowrap' } as const;

function KeyStatus({ apiKey }: { apiKey: ApiKey }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (!apiKey.revokedAt)
    return (
      <Badge color="teal" variant="light">
        {t('admin.apiKeys.active')}
      </Badge>
    );
  return (
    <Stack gap={2} align="flex-start">
      <Badge color="red" variant="light">
        {t('admin.apiKeys.revoked')}
      </Badge>
      <Text size="xs" c="dimmed">
        {format.date(apiKey.revokedAt)}
      </Text>
    </Stack>
  );
}

/** Every feature said in one badge; otherwise one badge per scope. */
function Scopes({ scopes }: { scopes: Feature[] }) {
  const { t } = useTranslation();
  if (allFeatures.every((f) => scopes.includes(f)))
    return <Badge variant="light">{t('admin.apiKeys.allScopes')}</Badge>;
  return (
    <Group gap={4}>
      {scopes.map((scope) => (
        <Badge key={scope} variant="light" color="gray" tt="none">
          {t(`admin.features.${scope}`)}
        </Badge>
      ))}
    </Group>
  );
}
