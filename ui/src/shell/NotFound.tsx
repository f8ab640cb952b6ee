import { Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from './links';

/** A console address that names nothing. */
export function NotFound() {
  const { t } = useTranslation();
  return (
    <Stack p="xl" maw={520}>
      <Title order={2}>{t('notFound.title')}</Title>
      <Text>{t('notFound.body')}</Text>
      <AnchorLink to="/">{t('notFound.home')}</AnchorLink>
    </Stack>
  );
}
