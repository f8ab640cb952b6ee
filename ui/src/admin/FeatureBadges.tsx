/**
 * What a user, key or grant may do, as badges: every feature said in one badge (the review
 * lists a first admin's as the stored wildcard `*`), otherwise one badge per feature.
 */
import { Badge, Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { allFeatures } from './PermissionsEditor';

export function FeatureBadges({ features }: { features: readonly string[] }) {
  const { t } = useTranslation();
  if (features.includes('*') || allFeatures.every((f) => features.includes(f)))
    return <Badge variant="light">{t('admin.apiKeys.allScopes')}</Badge>;
  return (
    <Group gap={4}>
      {features.map((feature) => (
        <Badge key={feature} variant="light" color="gray" tt="none">
          {t(`admin.features.${feature}`)}
        </Badge>
      ))}
    </Group>
  );
}
