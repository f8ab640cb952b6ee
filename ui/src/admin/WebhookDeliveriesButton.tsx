/**
 * An endpoint's latest deliveries, newest first, in a dialog read when opened (they change
 * as retries run, so they are read again while it is open): each event's type, when it
 * happened, how it stands, and every attempt with the receiver's answer or why there was
 * none. The body sent is one click away.
 */
import {
  Anchor,
  Badge,
  Button,
  Code,
  Collapse,
  Group,
  Modal,
  Skeleton,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../forms/ErrorAlert';
import { useFormat } from '../i18n/format';
import { webhookDeliveriesQuery, type Webhook, type WebhookDelivery } from './api';
import type { WebhookDeliveryStatus } from './integration-words';

const statusColor: Record<WebhookDeliveryStatus, string> = {
  pending: 'yellow',
  delivered: 'teal',
  failed: 'red',
};

export function WebhookDeliveriesButton({ webhook }: { webhook: Webhook }) {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpened(true)}>
        {t('admin.webhooks.deliveries')}
      </Button>
      <Modal
        opened={opened}
        onClose={() => setOpened(false)}
        title={t('admin.webhooks.deliveriesTitle')}
        size="xl"
      >
        {opened && <Deliveries webhook={webhook} />}
      </Modal>
    </>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const { t } = useTranslation();
  const format = useFormat();
  // Retries go on in the background; what is shown keeps up while the dialog is open.
  const deliveries = useQuery({ ...webhookDeliveriesQuery(webhook.id), refetchInterval: 5_000 });
  return (
    <Stack gap="md">
      <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
        {webhook.url}
      </Code>
      <ErrorAlert error={deliveries.error} />
      {deliveries.isPending ? (
        <Skeleton h={120} />
      ) : deliveries.data?.length === 0 ? (
        <Text c="dimmed" ta="center" py="lg">
          {t('admin.webhooks.noDeliveries')}
        </Text>
      ) : (
        deliveries.data && (
          <Table.ScrollContainer minWidth={640}>
            <Table verticalSpacing="sm">
              <Table.Thead style={nowrap}>
                <Table.Tr>
                  <Table.Th>{t('admin.webhooks.eventColumn')}</Table.Th>
                  <Table.Th>{t('admin.webhooks.status')}</Table.Th>
                  <Table.Th>{t('admin.webhooks.attempts')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {deliveries.data.map((delivery) => (
                  <Table.Tr key={delivery.id} data-testid="webhook-delivery" style={alignTop}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {t(`admin.webhooks.event.${delivery.type}`)}
                      </Text>
                      <Text size="xs" c="dimmed" style={nowrap}>
                        {format.dateTime(delivery.createdAt)}
                      </Text>
                      <SentBody body={delivery.body} />
                    </Table.Td>
                    <Table.Td>
                      <Badge color={statusColor[delivery.status]} variant="light" miw="max-content">
                        {t(`admin.webhooks.deliveryStatus.${delivery.status}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Attempts delivery={delivery} />
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

/** Each attempt on a line: when, and the answer (a status code) or why there was none. */
function Attempts({ delivery }: { delivery: WebhookDelivery }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (delivery.attempts.length === 0)
    return (
      <Text size="sm" c="dimmed">
        {t('admin.webhooks.notYetSent')}
      </Text>
    );
  return (
    <Stack gap={2}>
      {delivery.attempts.map((attempt, i) => (
        <Group key={i} gap="xs" wrap="nowrap">
          <Text size="sm" style={nowrap}>
            {format.dateTime(attempt.at)}
          </Text>
          <Text
            size="sm"
            c={attempt.statusCode !== undefined && attempt.statusCode < 300 ? 'teal' : 'red'}
            style={nowrap}
          >
            {attempt.statusCode !== undefined
              ? `HTTP ${attempt.statusCode}`
              : t(`admin.webhooks.attemptError.${attempt.error ?? 'network'}`)}
          </Text>
          <Text size="xs" c="dimmed" style={nowrap}>
            {t('admin.webhooks.took', { ms: Math.round(attempt.durationMs) })}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

/** The JSON body as sent, laid out for reading, folded away until asked for. */
function SentBody({ body }: { body: string }) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(false);
  const readable = useMemo(() => {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      return body;
    }
  }, [body]);
  return (
    <>
      <Anchor component="button" type="button" size="xs" onClick={() => setShown((s) => !s)}>
        {shown ? t('admin.webhooks.hideBody') : t('admin.webhooks.showBody')}
      </Anchor>
      <Collapse expanded={shown}>
        <Code block mt={4} style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
          {readable}
        </Code>
      </Collapse>
    </>
  );
}

const nowrap = { whiteSpace: 'nowrap' } as const;
// Cells of several lines start level, so a row reads across.
const alignTop = { verticalAlign: 'top' } as const;
