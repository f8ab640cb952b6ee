/**
 * A user's permissions as an administrator grants them: the features, the lists (all, or
 * some by name) and which contact fields they see or edit, the rest being masked. Nothing
 * above the administrator's own permissions can be chosen (the server refuses it anyway).
 */
import {
  ActionIcon,
  Autocomplete,
  Button,
  Checkbox,
  Fieldset,
  Group,
  MultiSelect,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
} from '@mantine/core';
import { permissionsSchema } from '@api/permissions';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { FieldError, FieldErrors } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { listsQuery } from '../api/lists';
import type { FieldAccess, Permissions } from '../api/types';

/** Every feature permission, in the registry's order. */
export const allFeatures = permissionsSchema.shape.features.element.options;

/** The field name standing for every field not named. */
export const ANY_FIELD = '*';

/** Contact fields every tenant has (others are the tenant's own). */
const knownFields = ['email', 'phone', 'firstName', 'lastName', 'consentIp'] as const;

const accessLevels: FieldAccess[] = ['none', 'view', 'edit'];
const rank: Record<FieldAccess, number> = { none: 0, view: 1, edit: 2 };

/** A holder's access to a field, as the server works it out. */
export const fieldAccess = (permissions: Permissions, field: string): FieldAccess =>
  permissions.fields[field] ?? permissions.fields[ANY_FIELD] ?? 'none';

/** A new user's starting point: no features, the admin's lists, other fields visible. */
export const initialPermissions = (own: Permissions): Permissions => ({
  features: [],
  lists: own.lists === 'all' ? 'all' : [],
  fields: { [ANY_FIELD]: rank[fieldAccess(own, ANY_FIELD)] >= rank.view ? 'view' : 'none' },
});

interface Props {
  value: Permissions;
  onChange: (value: Permissions) => void;
  /** The administrator's own permissions: the ceiling of what may be granted. */
  own: Permissions;
  errors?: FieldErrors<Permissions>;
  disabled?: boolean;
}

export function PermissionsEditor({ value, onChange, own, errors, disabled }: Props) {
  const { t } = useTranslation();
  const set = (change: Partial<Permissions>) => onChange({ ...value, ...change });
  return (
    <Stack gap="lg">
      <Fieldset legend={t('admin.permissions.features')} disabled={disabled}>
        <Checkbox.Group
          aria-label={t('admin.permissions.features')}
          description={t('admin.permissions.featuresHelp')}
          value={value.features}
          onChange={(features) =>
            set({ features: allFeatures.filter((f) => features.includes(f)) })
          }
          error={errors?.features?.message}
        >
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" mt="sm">
            {allFeatures.map((feature) => (
              <Checkbox
                key={feature}
                value={feature}
                label={t(`admin.features.${feature}`)}
                disabled={!own.features.includes(feature)}
              />
            ))}
          </SimpleGrid>
        </Checkbox.Group>
      </Fieldset>

      <Fieldset legend={t('admin.permissions.lists')} disabled={disabled}>
        <ListsChooser value={value.lists} onChange={(lists) => set({ lists })} own={own} />
        {errors?.lists && (
          <Text c="red" size="sm" mt="xs">
            {errors.lists.message}
          </Text>
        )}
      </Fieldset>

      <Fieldset legend={t('admin.permissions.fields')} disabled={disabled}>
        <FieldsEditor
          value={value.fields}
          onChange={(fields) => set({ fields })}
          own={own}
          // A record's errors are keyed by field name: the record's own error is a FieldError.
          error={(errors?.fields as FieldError | undefined)?.message}
        />
      </Fieldset>
    </Stack>
  );
}

function ListsChooser(props: {
  value: Permissions['lists'];
  onChange: (lists: Permissions['lists']) => void;
  own: Permissions;
}) {
  const { t } = useTranslation();
  const lists = useQuery(listsQuery);
  const all = props.value === 'all';
  return (
    <Stack gap="sm">
      <Switch
        label={t('admin.permissions.allLists')}
        description={
          props.own.lists === 'all'
            ? t('admin.permissions.allListsHelp')
            : t('admin.permissions.allListsNotYours')
        }
        checked={all}
        disabled={props.own.lists !== 'all'}
        onChange={(e) => props.onChange(e.currentTarget.checked ? 'all' : [])}
      />
      {!all && (
        <MultiSelect
          label={t('admin.permissions.someLists')}
          placeholder={t('admin.permissions.pickLists')}
          searchable
          nothingFoundMessage={t('admin.permissions.noLists')}
          data={(lists.data ?? []).map((list) => ({ value: list.id, label: list.name }))}
          value={props.value === 'all' ? [] : props.value}
          onChange={(ids) => props.onChange(ids)}
        />
      )}
    </Stack>
  );
}

function FieldsEditor(props: {
  value: Record<string, FieldAccess>;
  onChange: (fields: Record<string, FieldAccess>) => void;
  own: Permissions;
  error?: string;
}) {
  const { t } = useTranslation();
  const [adding, setAdding] = useState('');
  const [addError, setAddError] = useState<string | null>(null);
  const named = Object.keys(props.value).filter((f) => f !== ANY_FIELD);
  const label = (field: string) =>
    (knownFields as readonly string[]).includes(field) ? t(`admin.fieldNames.${field}`) : field;
  const levels = (field: string) =>
    accessLevels.map((level) => ({
      value: level,
      label: t(`admin.access.${level}`),
      disabled: rank[level] > rank[fieldAccess(props.own, field)],
    }));
  const setField = (field: string, access: FieldAccess) =>
    props.onChange({ ...props.value, [field]: access });

  const add = () => {
    const field = adding.trim();
    // The api's own check of a field name, so the form refuses what the server would.
    const valid = permissionsSchema.shape.fields.safeParse({ [field]: 'none' }).success;
    if (!field || field === ANY_FIELD || !valid) return setAddError(t('admin.fields.badName'));
    if (field in props.value) return setAddError(t('admin.fields.already'));
    setAddError(null);
    setAdding('');
    setField(field, 'none');
  };

  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        {t('admin.fields.intro')}
      </Text>
      <Select
        label={t('admin.fields.others')}
        data={levels(ANY_FIELD)}
        value={props.value[ANY_FIELD] ?? 'none'}
        onChange={(v) => v && setField(ANY_FIELD, v as FieldAccess)}
        allowDeselect={false}
        w={280}
      />
      {named.length > 0 && (
        <Table verticalSpacing={6} aria-label={t('admin.fields.named')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('admin.fields.field')}</Table.Th>
              <Table.Th>{t('admin.fields.access')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {named.map((field) => (
              <Table.Tr key={field}>
                <Table.Td>{label(field)}</Table.Td>
                <Table.Td>
                  <SegmentedControl
                    size="xs"
                    aria-label={t('admin.fields.accessTo', { field: label(field) })}
                    data={levels(field)}
                    value={props.value[field]!}
                    onChange={(v) => setField(field, v as FieldAccess)}
                  />
                </Table.Td>
                <Table.Td ta="right">
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    aria-label={t('admin.fields.remove', { field: label(field) })}
                    onClick={() =>
                      props.onChange(
                        Object.fromEntries(
                          Object.entries(props.value).filter(([f]) => f !== field),
                        ),
                      )
                    }
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group align="flex-start" gap="xs">
        <Autocomplete
          aria-label={t('admin.fields.add')}
          placeholder={t('admin.fields.addPlaceholder')}
          data={knownFields.filter((f) => !(f in props.value))}
          renderOption={({ option }) => (
            <Text size="sm">
              {option.value}{' '}
              <Text span size="sm" c="dimmed">
                {t(`admin.fieldNames.${option.value}`)}
              </Text>
            </Text>
          )}
          value={adding}
          onChange={(v) => {
            setAdding(v);
            setAddError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
          error={addError}
          w={280}
        />
        <Button variant="light" leftSection={<IconPlus size={16} />} onClick={add}>
          {t('admin.fields.add')}
        </Button>
      </Group>
      {props.error && (
        <Text c="red" size="sm">
          {props.error}
        </Text>
      )}
    </Stack>
  );
}
