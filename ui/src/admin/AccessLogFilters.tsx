/**
 * The access log's filters, as the route takes them: one account (as actor or subject), one
 * event, and a range of days. Accounts are offered by address or key name when the viewer
 * may list them (users.manage); otherwise by id, as the entries show them.
 */
import { Button, Group, Select, TextInput } from '@mantine/core';
import { IconFilterOff } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { accessEventGroups } from './access-events';
import { backwards, type AccessLogFilters as Filters } from './access-log-query';

/** An account the log can be filtered by: a user (by address) or an API key (by name). */
export interface Account {
  id: string;
  label: string;
  kind: 'user' | 'api_key';
}

interface Props {
  filters: Filters;
  onChange: (filters: Filters) => void;
  /** Undefined: the viewer may not list accounts, and types an id instead. */
  accounts: Account[] | undefined;
}

export function AccessLogFilters({ filters, onChange, accounts }: Props) {
  const { t } = useTranslation();
  const set = (patch: Partial<Filters>) => onChange({ ...filters, ...patch });
  const any = Object.values(filters).some(Boolean);

  const accountGroups = accounts && [
    {
      group: t('admin.accessLog.users'),
      items: accounts
        .filter((a) => a.kind === 'user')
        .map((a) => ({ value: a.id, label: a.label })),
    },
    {
      group: t('admin.accessLog.apiKeys'),
      items: accounts
        .filter((a) => a.kind === 'api_key')
        .map((a) => ({ value: a.id, label: a.label })),
    },
  ];
  // An account from a shared link that is not listed (a deleted key) still shows, by id.
  if (accountGroups && filters.user && !accounts.some((a) => a.id === filters.user))
    accountGroups.push({
      group: t('admin.accessLog.other'),
      items: [{ value: filters.user, label: filters.user }],
    });

  return (
    <Group align="flex-start" gap="sm" role="search" aria-label={t('admin.accessLog.filters')}>
      {accountGroups ? (
        <Select
          label={t('admin.accessLog.account')}
          placeholder={t('admin.accessLog.anyAccount')}
          data={accountGroups.filter((g) => g.items.length > 0)}
          value={filters.user ?? null}
          onChange={(user) => set({ user: user ?? undefined })}
          searchable
          clearable
          nothingFoundMessage={t('admin.accessLog.noAccount')}
          w={{ base: '100%', sm: 250 }}
        />
      ) : (
        <TextInput
          // Typed over when a row's account is picked as the filter.
          key={filters.user}
          label={t('admin.accessLog.accountId')}
          placeholder={t('admin.accessLog.accountIdPlaceholder')}
          defaultValue={filters.user ?? ''}
          // Applied when done typing, so each keystroke is not a read of the log.
          onBlur={(event) => set({ user: event.currentTarget.value.trim() || undefined })}
          w={{ base: '100%', sm: 240 }}
        />
      )}
      <Select
        label={t('admin.accessLog.event')}
        placeholder={t('admin.accessLog.anyEvent')}
        data={Object.entries(accessEventGroups).map(([group, events]) => ({
          group: t(`admin.accessLog.groups.${group}`),
          items: events.map((e) => ({ value: e, label: t(`admin.accessLog.events.${e}`) })),
        }))}
        value={filters.event ?? null}
        onChange={(event) => set({ event: (event as Filters['event']) ?? undefined })}
        searchable
        clearable
        maxDropdownHeight={360}
        w={{ base: '100%', sm: 230 }}
      />
      <TextInput
        type="date"
        label={t('admin.accessLog.from')}
        value={filters.from ?? ''}
        max={filters.to}
        onChange={(event) => set({ from: event.currentTarget.value || undefined })}
        w={{ base: '48%', sm: 150 }}
      />
      <TextInput
        type="date"
        label={t('admin.accessLog.to')}
        value={filters.to ?? ''}
        min={filters.from}
        onChange={(event) => set({ to: event.currentTarget.value || undefined })}
        error={backwards(filters) && t('admin.accessLog.backwards')}
        w={{ base: '48%', sm: 150 }}
      />
      {any && (
        <Button
          variant="subtle"
          color="gray"
          leftSection={<IconFilterOff size={16} />}
          onClick={() => onChange({})}
          // Level with the fields, under their labels.
          mt={25}
        >
          {t('admin.accessLog.clear')}
        </Button>
      )}
    </Group>
  );
}
