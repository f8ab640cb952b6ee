/**
 * The tenant's access log, newest first: who did what to which account, when and from where,
 * filtered as the route allows, a page at a time (the route takes a limit, not an offset, so
 * a longer page is asked for), and the CSV export of everything matching the filters. Values
 * are shown as the API answers them; accounts by address or key name when the viewer may
 * list them.
 */
import {
  Button,
  Code,
  Group,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { IconDownload, IconRefresh } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useFormat } from '../i18n/format';
import { useSession } from '../shell/use-session';
import { accessLogQuery, apiKeysQuery, usersQuery } from './api';
import { warningEvents, type AccessEntry } from './access-events';
import { AccessLogFilters, type Account } from './AccessLogFilters';
import {
  accessLogCsvUrl,
  backwards,
  MAX_ENTRIES,
  type AccessLogFilters as Filters,
} from './access-log-query';
import { forbidden } from './UsersPage';

const route = getRouteApi('/authenticated/admin/access-log');

/** Entries per page: enough for a day of a small team, few enough to read. */
const PAGE = 100;

export function AccessLogPage() {
  const { t } = useTranslation();
  const session = useSession();
  const filters = route.useSearch();
  const navigate = useNavigate();
  const allowed = can(session, 'accesslog.view');
  // Addresses and key names need users.manage; without it the entries name ids.
  const canList = can(session, 'users.manage');
  const users = useQuery({ ...usersQuery, enabled: allowed && canList });
  const keys = useQuery({ ...apiKeysQuery, enabled: allowed && canList });

  if (!allowed) return <ErrorAlert error={forbidden} />;
  const accounts: Account[] | undefined = canList
    ? [
        ...(users.data ?? []).map((u) => ({ id: u.id, label: u.email, kind: 'user' as const })),
        ...(keys.data ?? []).map((k) => ({ id: k.id, label: k.name, kind: 'api_key' as const })),
      ]
    : undefined;
  const setFilters = (next: Filters) =>
    void navigate({ to: '/admin/access-log', search: next, replace: true });

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={2}>{t('admin.accessLog.title')}</Title>
          <Text size="sm" c="dimmed" maw={680}>
            {t('admin.accessLog.intro')}
          </Text>
        </Stack>
        <Tooltip label={t('admin.accessLog.exportHelp', { max: MAX_ENTRIES })} multiline w={260}>
          <Button
            component="a"
            href={backwards(filters) ? undefined : accessLogCsvUrl(filters)}
            download="access-log.csv"
            variant="default"
            leftSection={<IconDownload size={16} />}
            disabled={backwards(filters)}
          >
            {t('admin.accessLog.export')}
          </Button>
        </Tooltip>
      </Group>
      <AccessLogFilters filters={filters} onChange={setFilters} accounts={accounts} />
      {/* A fresh page length whenever the filters change. */}
      <Entries
        key={JSON.stringify(filters)}
        filters={filters}
        accounts={accounts}
        onPickAccount={(user) => setFilters({ ...filters, user })}
      />
    </Stack>
  );
}

function Entries({
  filters,
  accounts,
  onPickAccount,
}: {
  filters: Filters;
  accounts: Account[] | undefined;
  onPickAccount: (id: string) => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const session = useSession();
  const [limit, setLimit] = useState(PAGE);
  const entries = useQuery({ ...accessLogQuery(filters, limit), enabled: !backwards(filters) });

  if (backwards(filters)) return null;
  if (entries.isPending) return <Skeleton h={320} />;
  if (!entries.data) return <ErrorAlert error={entries.error} />;
  const rows = entries.data;
  const more = rows.length === limit && limit < MAX_ENTRIES;
  const filtered = Object.values(filters).some(Boolean);

  /** An account as people know it: "you", an address, a key's name, or else its id. */
  const name = (id: string) => {
    if (id === session.user.id) return t('admin.accessLog.you');
    const account = accounts?.find((a) => a.id === id);
    if (!account) return id;
    return account.kind === 'api_key'
      ? t('admin.accessLog.keyNamed', { name: account.label })
      : account.label;
  };
  const accountCell = (id: string | null | undefined, kind?: string) => {
    if (!id)
      return (
        <Text span c="dimmed">
          —
        </Text>
      );
    if (kind === 'platform') return t('admin.accessLog.platform');
    return (
      <Tooltip label={t('admin.accessLog.onlyThis')} openDelay={400}>
        <UnstyledButton
          onClick={() => onPickAccount(id)}
          fz="sm"
          td={filters.user === id ? undefined : 'underline dotted'}
          aria-label={
            id === session.user.id
              ? t('admin.accessLog.onlyMine')
              : t('admin.accessLog.onlyThisNamed', { name: name(id) })
          }
        >
          {name(id)}
        </UnstyledButton>
      </Tooltip>
    );
  };

  return (
    <Stack gap="sm">
      <ErrorAlert error={entries.error} />
      <Group justify="space-between">
        <Text size="sm" c="dimmed" aria-live="polite">
          {rows.length === 0
            ? ''
            : more
              ? t('admin.accessLog.newest', { count: rows.length })
              : t('admin.accessLog.count', { count: rows.length })}
        </Text>
        <Button
          size="xs"
          variant="subtle"
          color="gray"
          leftSection={<IconRefresh size={14} />}
          loading={entries.isFetching}
          onClick={() => void entries.refetch()}
        >
          {t('admin.accessLog.refresh')}
        </Button>
      </Group>
      {rows.length === 0 ? (
        <Text c="dimmed" ta="center" py="xl">
          {filtered ? t('admin.accessLog.noneMatching') : t('admin.accessLog.none')}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={960}>
          <Table
            striped
            verticalSpacing="xs"
            style={entries.isPlaceholderData ? { opacity: 0.6 } : undefined}
          >
            <Table.Thead style={nowrap}>
              <Table.Tr>
                <Table.Th>{t('admin.accessLog.at')}</Table.Th>
                <Table.Th>{t('admin.accessLog.event')}</Table.Th>
                <Table.Th>{t('admin.accessLog.actor')}</Table.Th>
                <Table.Th>{t('admin.accessLog.subject')}</Table.Th>
                <Table.Th>{t('admin.accessLog.ip')}</Table.Th>
                <Table.Th>{t('admin.accessLog.details')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((entry) => (
                <Table.Tr key={entry.id} data-testid="access-entry" data-event={entry.event}>
                  <Table.Td style={nowrap}>{format.dateTime(entry.at)}</Table.Td>
                  <Table.Td style={nowrap}>
                    <EventName event={entry.event} />
                  </Table.Td>
                  <Table.Td style={nowrap}>
                    {accountCell(entry.actor?.id, entry.actor?.kind)}
                  </Table.Td>
                  <Table.Td style={nowrap}>{accountCell(entry.subjectId)}</Table.Td>
                  <Table.Td style={nowrap}>
                    {entry.ip ?? (
                      <Text span c="dimmed">
                        —
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Details details={entry.details} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {more && (
        <Group justify="center">
          <Button
            variant="default"
            loading={entries.isFetching}
            onClick={() => setLimit(Math.min(limit + PAGE, MAX_ENTRIES))}
          >
            {t('admin.accessLog.older')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

// Short cells stay on one line, so the details take what room there is.
const nowrap = { whiteSpace: 'nowrap' } as const;

/** The event in words (refusals and lockouts in red), its name as logged on hover. */
function EventName({ event }: { event: AccessEntry['event'] }) {
  const { t } = useTranslation();
  return (
    <Tooltip label={event} openDelay={400}>
      <Text span size="sm" fw={500} c={warningEvents.includes(event) ? 'red' : undefined}>
        {t(`admin.accessLog.events.${event}`)}
      </Text>
    </Tooltip>
  );
}

/** The entry's details (counts, ids, route names: never personal data) as key: value. */
function Details({ details }: { details: AccessEntry['details'] }) {
  if (!details || Object.keys(details).length === 0)
    return (
      <Text span c="dimmed">
        —
      </Text>
    );
  return (
    <Group gap={6}>
      {Object.entries(details).map(([key, value]) => (
        <Code key={key} fz="xs">
          {key}: {typeof value === 'string' ? value : JSON.stringify(value)}
        </Code>
      ))}
    </Group>
  );
}
