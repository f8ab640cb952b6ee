/**
 * The administration entries of the navigation, each shown only with its permission. API
 * keys have no feature of their own: their routes ask for users.manage (a key acts for
 * its creator, so making one is managing access), and so does the entry.
 */
import { IconPlugConnected, IconUsers } from '@tabler/icons-react';
import type { NavItem } from '../shell/nav-item';

export const adminNav: NavItem[] = [
  { to: '/admin/users', label: 'admin.nav.users', icon: IconUsers, feature: 'users.manage' },
  {
    to: '/admin/api-keys',
    label: 'admin.nav.apiKeys',
    icon: IconPlugConnected,
    feature: 'users.manage',
  },
];
