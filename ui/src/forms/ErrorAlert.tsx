import { Alert } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';

/** A refused or failed call, in words: the API's message, or a generic one for the rest. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  const message =
    error instanceof ApiError
      ? error.status === 403
        ? t('errors.forbidden')
        : error.message
      : t('errors.network');
  return (
    <Alert
      color="red"
      icon={<IconAlertCircle size={18} />}
      title={title ?? t('errors.title')}
      role="alert"
    >
      {message}
    </Alert>
  );
}
