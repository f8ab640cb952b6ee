/**
 * Creating an API key: a name and its scopes (at most the creator's features; its lists and
 * fields are always the creator's). The key itself is in the create answer only, so it is
 * shown once, in a dialog that closes only when the user says they have copied it.
 */
import {
  Anchor,
  Button,
  Checkbox,
  Code,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  TextInput,
} from '@mantine/core';
import { zodResolver } from '@hookform/resolvers/zod';
import { createKey } from '@api/api-keys';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { ErrorAlert } from '../forms/ErrorAlert';
import { ShownOnceDialog } from './ShownOnceDialog';
import { useSession } from '../shell/use-session';
import { apiKeysQuery, createApiKeyCall, type CreatedApiKey } from './api';
import { allFeatures } from './PermissionsEditor';
import { serverProblem } from './server-problem';

/** The console always names the scopes: "all of mine" is a choice made in the form. */
const keyForm = createKey.required({ scopes: true });
type KeyForm = z.infer<typeof keyForm>;

export function NewApiKeyButton() {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  return (
    <>
      <Button leftSection={<IconPlus size={16} />} onClick={() => setOpened(true)}>
        {t('admin.apiKeys.new')}
      </Button>
      <Modal
        opened={opened}
        onClose={() => setOpened(false)}
        title={t('admin.apiKeys.newTitle')}
        size="lg"
      >
        <NewKeyForm
          onCancel={() => setOpened(false)}
          onCreated={(key) => {
            setOpened(false);
            setCreated(key);
          }}
        />
      </Modal>
      <CreatedKeyDialog created={created} onDone={() => setCreated(null)} />
    </>
  );
}

function NewKeyForm(props: { onCancel: () => void; onCreated: (key: CreatedApiKey) => void }) {
  const { t } = useTranslation();
  const own = useSession().user.permissions.features;
  const queryClient = useQueryClient();
  const form = useForm<KeyForm>({
    resolver: zodResolver(keyForm),
    defaultValues: { name: '', scopes: [] },
  });
  const errors = form.formState.errors;
  const create = useMutation({
    mutationFn: createApiKeyCall,
    onSuccess: async (key) => {
      await queryClient.invalidateQueries({ queryKey: apiKeysQuery.queryKey });
      props.onCreated(key);
    },
    onError: (error) => {
      const problem = serverProblem(error);
      const field = problem?.id === 'invalid_scopes' ? 'scopes' : problem?.path[0];
      if (problem && (field === 'name' || field === 'scopes'))
        form.setError(field, { type: 'server', message: problem.message });
    },
  });
  const problem = serverProblem(create.error);
  const placed =
    problem?.id === 'invalid_scopes' || ['name', 'scopes'].includes(problem?.path[0] ?? '');

  return (
    <form onSubmit={form.handleSubmit((body) => create.mutate(body))} noValidate>
      <Stack gap="md">
        <ErrorAlert error={placed ? null : create.error} title={t('admin.apiKeys.refused')} />
        <TextInput
          label={t('admin.apiKeys.name')}
          description={t('admin.apiKeys.nameHelp')}
          required
          data-autofocus
          error={
            errors.name &&
            (errors.name.type === 'server' ? errors.name.message : t('admin.apiKeys.nameRequired'))
          }
          {...form.register('name')}
        />
        <Controller
          control={form.control}
          name="scopes"
          render={({ field }) => (
            <Checkbox.Group
              label={t('admin.apiKeys.scopes')}
              description={t('admin.apiKeys.scopesHelp')}
              required
              value={field.value}
              onChange={(scopes) => field.onChange(allFeatures.filter((f) => scopes.includes(f)))}
              error={
                errors.scopes &&
                (errors.scopes.type === 'server'
                  ? errors.scopes.message
                  : t('admin.apiKeys.scopesRequired'))
              }
            >
              <Anchor
                component="button"
                type="button"
                size="sm"
                mt={4}
                onClick={() => field.onChange(allFeatures.filter((f) => own.includes(f)))}
              >
                {t('admin.apiKeys.allMine')}
              </Anchor>
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" mt="xs">
                {allFeatures.map((feature) => (
                  <Checkbox
                    key={feature}
                    value={feature}
                    label={t(`admin.features.${feature}`)}
                    disabled={!own.includes(feature)}
                  />
                ))}
              </SimpleGrid>
            </Checkbox.Group>
          )}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onCancel}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={create.isPending}>
            {t('admin.apiKeys.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The new key, once: copy it, then close (only by saying so: a stray click would lose it). */
function CreatedKeyDialog({
  created,
  onDone,
}: {
  created: CreatedApiKey | null;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  return (
    <ShownOnceDialog
      value={created?.key ?? null}
      title={t('admin.apiKeys.createdTitle', { name: created?.name ?? '' })}
      warning={t('admin.apiKeys.onlyOnce')}
      hint={
        <>
          {t('admin.apiKeys.howToUse')} <Code>Authorization: Bearer …</Code>
        </>
      }
      doneLabel={t('admin.apiKeys.done')}
      testId="new-api-key"
      onDone={onDone}
    />
  );
}
