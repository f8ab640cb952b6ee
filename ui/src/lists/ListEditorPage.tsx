/**
 * Creating or editing a list: its name, the double opt-in (window, reminder, texts, with the
 * mail as the subscriber will get it), consent validity with its reminders and what happens
 * without renewal, the inactivity rule and tracking, each said in words as it is edited. An
 * existing list also shows its hosted form and the snippet to embed it.
 */
import {
  Alert,
  Anchor,
  Button,
  Code,
  CopyButton,
  Fieldset,
  Group,
  NumberInput,
  Paper,
  Select,
  Skeleton,
  Stack,
  Switch,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { zodResolver } from '@hookform/resolvers/zod';
import { createList, updateList, type ListBody } from '@api/lists';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { IconInfoCircle } from '@tabler/icons-react';
import { Controller, useForm, useWatch, type Control } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/format';
import { AnchorLink } from '../shell/links';
import type { z } from 'zod';
import { DOUBLE_OPT_IN_DEFAULTS } from '@api/lists';
import { createListCall, listQuery, updateListCall } from '../api/lists';
import { can } from '../api/session';
import { ErrorAlert } from '../forms/ErrorAlert';
import { clearDraft, readDraft, useDraft } from '../forms/use-draft';
import { useSession } from '../shell/use-session';
import {
  consentSummary,
  doubleOptInSummary,
  embedSnippet,
  inactivitySummary,
  trackingSummary,
} from './policy-summary';

/** The form edits what a PATCH takes, with the name required and the opt-in always an object. */
const listForm = updateList.extend({ name: createList.shape.name });
type ListForm = z.infer<typeof listForm>;

const defaultConsentPolicy = {
  validityDays: 730,
  reminderDaysBefore: [30, 7],
  onExpiry: 'unsubscribe' as const,
};
const defaultInactivityPolicy = {
  thresholdDays: 365,
  rePermission: { waitDays: 14 },
  action: 'unsubscribe' as const,
};

const toForm = (list: ListBody | undefined): ListForm => ({
  name: list?.name ?? '',
  doubleOptIn: list?.doubleOptIn ?? {},
  consentPolicy: list?.consentPolicy ?? null,
  inactivityPolicy: list?.inactivityPolicy ?? null,
  tracking: list?.tracking ?? true,
});

export function ListEditorPage({ listId }: { listId: string | undefined }) {
  const { t } = useTranslation();
  const list = useQuery({ ...listQuery(listId ?? ''), enabled: Boolean(listId) });
  if (listId && list.isPending) return <Skeleton h={400} />;
  if (listId && list.error) return <ErrorAlert error={list.error} />;
  return (
    <Stack gap="lg" maw={880}>
      <Group justify="space-between">
        <Title order={2}>{list.data?.name ?? t('listEditor.newTitle')}</Title>
        <AnchorLink to="/lists">{t('listEditor.back')}</AnchorLink>
      </Group>
      <ListForm list={list.data} />
    </Stack>
  );
}

function ListForm({ list }: { list: ListBody | undefined }) {
  const { t } = useTranslation();
  const format = useFormat();
  const session = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const draftKey = `list:${list?.id ?? 'new'}`;
  const editable = can(session, 'contacts.edit');
  const form = useForm<ListForm>({
    resolver: zodResolver(listForm),
    defaultValues: readDraft<ListForm>(draftKey) ?? toForm(list),
  });
  useDraft(draftKey, form);
  const values = useWatch({ control: form.control }) as ListForm;
  const errors = form.formState.errors;

  const save = useMutation({
    mutationFn: (body: ListForm) =>
      list
        ? updateListCall(list.id, body)
        : createListCall({
            name: body.name,
            doubleOptIn: body.doubleOptIn ?? undefined,
            consentPolicy: body.consentPolicy ?? undefined,
            inactivityPolicy: body.inactivityPolicy ?? undefined,
            tracking: body.tracking,
          }),
    onSuccess: async (saved) => {
      clearDraft(draftKey);
      queryClient.setQueryData(listQuery(saved.id).queryKey, saved);
      await queryClient.invalidateQueries({ queryKey: ['lists'], exact: true });
      notifications.show({ color: 'teal', message: t('listEditor.saved', { name: saved.name }) });
      form.reset(toForm(saved));
      if (!list) await navigate({ to: '/lists/$listId', params: { listId: saved.id } });
    },
  });

  const doi = values.doubleOptIn ?? {};
  const listName = values.name || t('listEditor.namePlaceholder');
  const fill = (text: string) =>
    text
      .replaceAll('{{list}}', listName)
      .replaceAll(
        '{{hours}}',
        String(doi.confirmWithinHours ?? DOUBLE_OPT_IN_DEFAULTS.confirmWithinHours),
      )
      .replaceAll('{{link}}', `${location.origin}/c/…`);

  return (
    <form onSubmit={form.handleSubmit((body) => save.mutate(body))} noValidate>
      <fieldset disabled={!editable} style={{ border: 0, padding: 0, margin: 0 }}>
        <Stack gap="lg">
          {!editable && (
            <Alert color="gray" icon={<IconInfoCircle size={18} />}>
              {t('listEditor.readOnly')}
            </Alert>
          )}
          <ErrorAlert error={save.error} title={t('listEditor.refused')} />
          <TextInput
            label={t('listEditor.name')}
            required
            error={errors.name && t('listEditor.nameRequired')}
            {...form.register('name')}
          />

          <Fieldset legend={t('listEditor.doi.legend')}>
            <Stack gap="sm">
              <Summary>
                {doubleOptInSummary(
                  doi,
                  {
                    confirmWithinHours: DOUBLE_OPT_IN_DEFAULTS.confirmWithinHours,
                    reminderAfterHours: DOUBLE_OPT_IN_DEFAULTS.reminderAfterHours,
                  },
                  t,
                )}
              </Summary>
              <Group grow align="flex-start">
                <NumberField
                  control={form.control}
                  name="doubleOptIn.confirmWithinHours"
                  label={t('listEditor.doi.window')}
                  placeholder={String(DOUBLE_OPT_IN_DEFAULTS.confirmWithinHours)}
                  min={1}
                  max={720}
                  suffix={t('units.hours')}
                  error={errors.doubleOptIn?.confirmWithinHours?.message}
                />
                <Controller
                  control={form.control}
                  name="doubleOptIn.reminderAfterHours"
                  render={({ field }) => (
                    <Stack gap={6}>
                      <Switch
                        label={t('listEditor.doi.sendReminder')}
                        checked={field.value !== null}
                        onChange={(e) => field.onChange(e.currentTarget.checked ? undefined : null)}
                      />
                      {field.value !== null && (
                        <NumberInput
                          aria-label={t('listEditor.doi.reminderAfter')}
                          placeholder={String(DOUBLE_OPT_IN_DEFAULTS.reminderAfterHours)}
                          min={1}
                          max={719}
                          suffix={` ${t('units.hours')}`}
                          value={field.value ?? ''}
                          onChange={(v) => field.onChange(v === '' ? undefined : Number(v))}
                          error={errors.doubleOptIn?.reminderAfterHours?.message}
                        />
                      )}
                    </Stack>
                  )}
                />
              </Group>
              <TextInput
                label={t('listEditor.doi.subject')}
                placeholder={DOUBLE_OPT_IN_DEFAULTS.subject}
                error={errors.doubleOptIn?.subject?.message}
                {...form.register('doubleOptIn.subject', {
                  setValueAs: (v: string) => v || undefined,
                })}
              />
              <Textarea
                label={t('listEditor.doi.body')}
                description={t('listEditor.doi.bodyHelp')}
                placeholder={DOUBLE_OPT_IN_DEFAULTS.body}
                autosize
                minRows={4}
                error={errors.doubleOptIn?.body?.message}
                {...form.register('doubleOptIn.body', {
                  setValueAs: (v: string) => v || undefined,
                })}
              />
              <Textarea
                label={t('listEditor.doi.consentText')}
                description={t('listEditor.doi.consentTextHelp')}
                placeholder={DOUBLE_OPT_IN_DEFAULTS.consentText}
                autosize
                minRows={2}
                error={errors.doubleOptIn?.consentText?.message}
                {...form.register('doubleOptIn.consentText', {
                  setValueAs: (v: string) => v || undefined,
                })}
              />
              <TextInput
                label={t('listEditor.doi.consentTextVersion')}
                description={t('listEditor.doi.consentTextVersionHelp')}
                w={260}
                error={errors.doubleOptIn?.consentTextVersion?.message}
                {...form.register('doubleOptIn.consentTextVersion', {
                  setValueAs: (v: string) => v || undefined,
                })}
              />
              <Paper withBorder p="md" bg="gray.0" aria-label={t('listEditor.doi.preview')}>
                <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                  {t('listEditor.doi.preview')}
                </Text>
                <Text fw={600} mt={4}>
                  {fill(doi.subject || DOUBLE_OPT_IN_DEFAULTS.subject)}
                </Text>
                <Text size="sm" mt="xs" style={{ whiteSpace: 'pre-wrap' }}>
                  {fill(doi.body || DOUBLE_OPT_IN_DEFAULTS.body)}
                </Text>
              </Paper>
            </Stack>
          </Fieldset>

          <Fieldset legend={t('listEditor.consent.legend')}>
            <Stack gap="sm">
              <Controller
                control={form.control}
                name="consentPolicy"
                render={({ field }) => (
                  <Switch
                    label={t('listEditor.consent.enable')}
                    checked={field.value !== null}
                    onChange={(e) =>
                      field.onChange(e.currentTarget.checked ? defaultConsentPolicy : null)
                    }
                  />
                )}
              />
              <Summary>
                {consentSummary(values.consentPolicy ?? null, t, format.locale, new Date())}
              </Summary>
              {values.consentPolicy && (
                <Group grow align="flex-start">
                  <NumberField
                    control={form.control}
                    name="consentPolicy.validityDays"
                    label={t('listEditor.consent.validity')}
                    min={1}
                    max={3650}
                    suffix={t('units.days')}
                    error={errors.consentPolicy?.validityDays?.message}
                  />
                  <Controller
                    control={form.control}
                    name="consentPolicy.reminderDaysBefore"
                    render={({ field }) => (
                      <TagsInput
                        label={t('listEditor.consent.reminders')}
                        description={t('listEditor.consent.remindersHelp')}
                        value={(field.value ?? []).map(String)}
                        onChange={(tags) =>
                          field.onChange(
                            tags.map(Number).filter((n) => Number.isInteger(n) && n > 0),
                          )
                        }
                        maxTags={5}
                        error={errors.consentPolicy?.reminderDaysBefore?.message}
                      />
                    )}
                  />
                  <Controller
                    control={form.control}
                    name="consentPolicy.onExpiry"
                    render={({ field }) => (
                      <Select
                        label={t('listEditor.consent.onExpiry')}
                        data={actions(t)}
                        allowDeselect={false}
                        value={field.value}
                        onChange={field.onChange}
                      />
                    )}
                  />
                </Group>
              )}
            </Stack>
          </Fieldset>

          <Fieldset legend={t('listEditor.inactivity.legend')}>
            <Stack gap="sm">
              <Controller
                control={form.control}
                name="inactivityPolicy"
                render={({ field }) => (
                  <Switch
                    label={t('listEditor.inactivity.enable')}
                    checked={field.value !== null}
                    onChange={(e) =>
                      field.onChange(e.currentTarget.checked ? defaultInactivityPolicy : null)
                    }
                  />
                )}
              />
              <Summary>{inactivitySummary(values.inactivityPolicy ?? null, t)}</Summary>
              {values.inactivityPolicy && (
                <Group grow align="flex-start">
                  <NumberField
                    control={form.control}
                    name="inactivityPolicy.thresholdDays"
                    label={t('listEditor.inactivity.threshold')}
                    min={1}
                    max={3650}
                    suffix={t('units.days')}
                    error={errors.inactivityPolicy?.thresholdDays?.message}
                  />
                  <Controller
                    control={form.control}
                    name="inactivityPolicy.rePermission"
                    render={({ field }) => (
                      <Stack gap={6}>
                        <Switch
                          label={t('listEditor.inactivity.askFirst')}
                          checked={Boolean(field.value)}
                          onChange={(e) =>
                            field.onChange(e.currentTarget.checked ? { waitDays: 14 } : undefined)
                          }
                        />
                        {field.value && (
                          <NumberInput
                            aria-label={t('listEditor.inactivity.wait')}
                            min={1}
                            max={90}
                            suffix={` ${t('units.days')}`}
                            value={field.value.waitDays}
                            onChange={(v) => field.onChange({ waitDays: Number(v) || 1 })}
                          />
                        )}
                      </Stack>
                    )}
                  />
                  <Controller
                    control={form.control}
                    name="inactivityPolicy.action"
                    render={({ field }) => (
                      <Select
                        label={t('listEditor.inactivity.action')}
                        data={actions(t)}
                        allowDeselect={false}
                        value={field.value}
                        onChange={field.onChange}
                      />
                    )}
                  />
                </Group>
              )}
            </Stack>
          </Fieldset>

          <Fieldset legend={t('listEditor.tracking.legend')}>
            <Stack gap="sm">
              <Controller
                control={form.control}
                name="tracking"
                render={({ field }) => (
                  <Switch
                    label={t('listEditor.tracking.enable')}
                    checked={field.value ?? true}
                    onChange={(e) => field.onChange(e.currentTarget.checked)}
                  />
                )}
              />
              <Summary>{trackingSummary(values.tracking ?? true, t)}</Summary>
            </Stack>
          </Fieldset>

          {editable && (
            <Group>
              <Button type="submit" loading={save.isPending}>
                {list ? t('listEditor.save') : t('listEditor.create')}
              </Button>
              {form.formState.isDirty && (
                <Button
                  variant="subtle"
                  color="gray"
                  onClick={() => {
                    clearDraft(draftKey);
                    form.reset(toForm(list));
                  }}
                >
                  {t('listEditor.discard')}
                </Button>
              )}
            </Group>
          )}
        </Stack>
      </fieldset>
      {list && <FormLinks list={list} />}
    </form>
  );
}

const actions = (t: (key: string) => string) =>
  (['unsubscribe', 'anonymize', 'delete'] as const).map((value) => ({
    value,
    label: t(`listEditor.actions.${value}`),
  }));

function Summary({ children }: { children: string }) {
  return (
    <Text size="sm" c="teal.9" bg="teal.0" p="xs" style={{ borderRadius: 6 }} aria-live="polite">
      {children}
    </Text>
  );
}

type NumberPath =
  | 'doubleOptIn.confirmWithinHours'
  | 'consentPolicy.validityDays'
  | 'inactivityPolicy.thresholdDays';

function NumberField(props: {
  control: Control<ListForm>;
  name: NumberPath;
  label: string;
  placeholder?: string;
  min: number;
  max: number;
  suffix: string;
  error?: string;
}) {
  const { control, name, ...input } = props;
  return (
    <Controller
      control={control}
      name={name}
      render={({ field }) => (
        <NumberInput
          {...input}
          suffix={` ${input.suffix}`}
          value={field.value ?? ''}
          onChange={(v) => field.onChange(v === '' ? undefined : Number(v))}
          onBlur={field.onBlur}
        />
      )}
    />
  );
}

function FormLinks({ list }: { list: ListBody }) {
  const { t } = useTranslation();
  const formUrl = new URL(list.formUrl, location.origin).toString();
  const snippet = embedSnippet(
    formUrl,
    list.doubleOptIn?.consentText?.replaceAll('{{list}}', list.name) ??
      DOUBLE_OPT_IN_DEFAULTS.consentText.replaceAll('{{list}}', list.name),
    { email: t('listEditor.form.email'), submit: t('listEditor.form.subscribe') },
  );
  return (
    <Fieldset legend={t('listEditor.form.legend')} mt="lg">
      <Stack gap="sm">
        <Group gap="xs">
          <Anchor href={formUrl} target="_blank" rel="noreferrer">
            {formUrl}
          </Anchor>
          <CopyButton value={formUrl}>
            {({ copied, copy }) => (
              <Button size="compact-xs" variant="light" onClick={copy}>
                {copied ? t('common.copied') : t('common.copy')}
              </Button>
            )}
          </CopyButton>
        </Group>
        <Text size="sm">{t('listEditor.form.snippetHelp')}</Text>
        <Code
          block
          data-testid="embed-snippet"
          style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
        >
          {snippet}
        </Code>
        <CopyButton value={snippet}>
          {({ copied, copy }) => (
            <Button variant="light" w="fit-content" onClick={copy}>
              {copied ? t('common.copied') : t('listEditor.form.copySnippet')}
            </Button>
          )}
        </CopyButton>
      </Stack>
    </Fieldset>
  );
}
