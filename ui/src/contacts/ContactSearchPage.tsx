/** Finding a data subject by email (exact match, across the lists the user may see). */
import { Badge, Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../shell/links';
import { contactSearchQuery } from '../api/contacts';
import { listsQuery } from '../api/lists';
import { ErrorAlert } from '../forms/ErrorAlert';

const route = getRouteApi('/authenticated/contacts');

export function ContactSearchPage() {
  const { t } = useTranslation();
  const { email = '' } = route.useSearch();
  const navigate = useNavigate();
  const [value, setValue] = useState(email);
  const results = useQuery(contactSearchQuery(email));
  const lists = useQuery(listsQuery);
  const listName = (id: string) => lists.data?.find((l) => l.id === id)?.name ?? id;

  return (
    <Stack gap="lg" maw={960}>
      <Title order={2}>{t('contacts.title')}</Title>
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void navigate({ to: '/contacts', search: { email: value.trim() || undefined } });
        }}
      >
        <Group align="flex-end">
          <TextInput
            label={t('contacts.searchLabel')}
            description={t('contacts.searchHelp')}
            type="email"
            value={value}
            onChange={(e) => setValue(e.currentTarget.value)}
            w={380}
          />
          <Button type="submit" leftSection={<IconSearch size={16} />}>
            {t('contacts.search')}
          </Button>
        </Group>
      </form>
      <ErrorAlert error={results.error} />
      {email && results.data?.length === 0 && <Text c="dimmed">{t('contacts.noMatch')}</Text>}
      {results.data && results.data.length > 0 && (
        <Table verticalSpacing="sm" highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('contacts.email')}</Table.Th>
              <Table.Th>{t('contacts.name')}</Table.Th>
              <Table.Th>{t('contacts.lists')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {results.data.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>
                  <AnchorLink to="/contacts/$contactId" params={{ contactId: c.id }}>
                    {c.email}
                  </AnchorLink>
                </Table.Td>
                <Table.Td>{[c.firstName, c.lastName].filter(Boolean).join(' ') || '—'}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {c.lists.map((m) => (
                      <Badge key={m.listId} variant="light" color={statusColor[m.status]}>
                        {listName(m.listId)} · {t(`status.${m.status}`)}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

export const statusColor = { pending: 'yellow', active: 'teal', unsubscribed: 'gray' } as const;
