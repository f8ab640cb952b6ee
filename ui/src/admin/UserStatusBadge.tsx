/**
 * A user's state in a word or two: disabled, to change their password (new, or reset), or
 * active. Never cut short: a badge's label would otherwise shrink to an ellipsis in a table.
 */
import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { AdminUser } from './api';

export function UserStatusBadge({ user }: { user: AdminUser }) {
  const { t } = useTranslation();
  if (user.disabled)
    return (
      <Badge color="red" variant="light" miw="max-content">
        {t('admin.users.disabled')}
      </Badge>
    );
  if (user.mustChangePassword)
    return (
      <Badge color="yellow" variant="light" miw="max-content">
        {t('admin.users.passwordDue')}
      </Badge>
    );
  return (
    <Badge color="teal" variant="light" miw="max-content">
      {t('admin.users.active')}
    </Badge>
  );
}
