/**
 * Making a webhook: the URL to POST to and the event types it gets, offered from the create
 * schema (so the form knows every type the server takes). The signing secret is in the
 * create answer only, so it is shown once, in a dialog that closes only when the user says
 * they have copied it. The server's refusals of the URL (not http(s), a private address)
 * show under the URL field.
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
import { createWebhookBody } from '@api/webhooks';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { ErrorAlert } from '../forms/ErrorAlert';
import { ShownOnceDialog } from './ShownOnceDialog';
import { createWebhookCall, webhooksQuery, type WebhookEvent } from './api';
import { serverProblem } from './server-problem';

type WebhookForm = z.infer<typeof createWebhookBody>;

/** Every event type the server takes, in its order. */
const webhookEvents: readonly WebhookEvent[] = createWebhookBody.shape.events.element.options;

export function NewWebhookButton() {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <>
      <Button leftSection={<IconPlus size={16} />} onClick={() => setOpened(true)}>
        {t('admin.webhooks.new')}
      </Button>
      <Modal
        opened={opened}
        onClose={() => setOpened(false)}
        title={t('admin.webhooks.newTitle')}
        size="lg"
      >
        <NewWebhookForm
          onCancel={() => setOpened(false)}
          onCreated={(created) => {
            setOpened(false);
            setSecret(created);
          }}
        />
      </Modal>
      <SecretDialog secret={secret} onDone={() => setSecret(null)} />
    </>
  );
}

function NewWebhookForm(props: { onCancel: () => void; onCreated: (secret: string) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const form = useForm<WebhookForm>({
    resolver: zodResolver(createWebhookBody),
    defaultValues: { url: '', events: [] },
  });
  const errors = form.formState.errors;
  const create = useMutation({
    mutationFn: createWebhookCall,
    onSuccess: async ({ secret }) => {
      await queryClient.invalidateQueries({ queryKey: webhooksQuery.queryKey });
      props.onCreated(secret);
    },
    onError: (error) => {
      const problem = serverProblem(error);
      const field = problem?.path[0];
      if (problem && (field === 'url' || field === 'events'))
        form.setError(field, { type: 'server', message: problem.message });
    },
  });
  const problem = serverProblem(create.error);
  const placed = ['url', 'events'].includes(problem?.path[0] ?? '');

  return (
    <form onSubmit={form.handleSubmit((body) => create.mutate(body))} noValidate>
      <Stack gap="md">
        <ErrorAlert error={placed ? null : create.error} title={t('admin.webhooks.refused')} />
        <TextInput
          label={t('admin.webhooks.url')}
          description={t('admin.webhooks.urlHelp')}
          placeholder="https://example.com/consentflow"
          required
          data-autofocus
          error={
            errors.url &&
            (errors.url.type === 'server' ? errors.url.message : t('admin.webhooks.urlRequired'))
          }
          {...form.register('url')}
        />
        <Controller
          control={form.control}
          name="events"
          render={({ field }) => (
            <Checkbox.Group
              label={t('admin.webhooks.events')}
              description={t('admin.webhooks.eventsHelp')}
              required
              value={field.value}
              onChange={(picked) => field.onChange(webhookEvents.filter((e) => picked.includes(e)))}
              error={
                errors.events &&
                (errors.events.type === 'server'
                  ? errors.events.message
                  : t('admin.webhooks.eventsRequired'))
              }
            >
              <Anchor
                component="button"
                type="button"
                size="sm"
                mt={4}
                onClick={() => field.onChange([...webhookEvents])}
              >
                {t('admin.webhooks.allEvents')}
              </Anchor>
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" mt="xs">
                {webhookEvents.map((event) => (
                  <Checkbox
                    key={event}
                    value={event}
                    label={t(`admin.webhooks.event.${event}`)}
                    description={<Code fz="xs">{event}</Code>}
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
            {t('admin.webhooks.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The signing secret, once: copy it, then close (only by saying so: a stray click loses it). */
function SecretDialog({ secret, onDone }: { secret: string | null; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <ShownOnceDialog
      value={secret}
      title={t('admin.webhooks.createdTitle')}
      warning={t('admin.webhooks.onlyOnce')}
      hint={
        <>
          {t('admin.webhooks.howToVerify')} <Code>Consentflow-Signature</Code>
        </>
      }
      doneLabel={t('admin.webhooks.done')}
      testId="webhook-secret"
      onDone={onDone}
    />
  );
}
