/**
 * A secret the server answers with once (an API key, a webhook's signing secret): shown with a
 * warning and a copy button, in a dialog that closes only when the user says they have copied
 * it, since there is no second chance to read it.
 */
import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

interface Props {
  /** The secret; null while there is none to show. */
  value: string | null;
  title: string;
  warning: string;
  /** How the secret is used, under it. */
  hint: ReactNode;
  doneLabel: string;
  testId: string;
  onDone: () => void;
}

export function ShownOnceDialog({ value, title, warning, hint, doneLabel, testId, onDone }: Props) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={value !== null}
      onClose={onDone}
      title={title}
      size="lg"
      closeOnClickOutside={false}
      closeOnEscape={false}
      withCloseButton={false}
    >
      {value !== null && (
        <Stack gap="md">
          <Alert color="yellow" icon={<IconAlertTriangle size={18} />}>
            {warning}
          </Alert>
          <Group gap="xs" wrap="nowrap" align="stretch">
            <Code
              block
              data-testid={testId}
              style={{ flex: 1, wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}
            >
              {value}
            </Code>
            <CopyButton value={value}>
              {({ copied, copy }) => (
                <Button
                  variant={copied ? 'filled' : 'light'}
                  color={copied ? 'teal' : undefined}
                  leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                  onClick={copy}
                  h="auto"
                >
                  {copied ? t('common.copied') : t('common.copy')}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Text size="sm" c="dimmed">
            {hint}
          </Text>
          <Group justify="flex-end">
            <Button onClick={onDone}>{doneLabel}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
