/**
 * The administration entries of the navigation, each shown only with its permission. API
 * keys have no feature of their own: their routes ask for users.manage (a key acts for
 * its creator, so making one is managing access), and so does the entry; so do the
 * security settings (they decide how every user signs in). The access log has its own.
 */
import { IconListSearch, IconLock, IconPlugConnected, IconUsers } from '@tabler/icons-react';
import type { NavItem } from '../shell/nav-item';

export const adminNav: NavItem[] = [
  { to: '/admin/users', label: 'admin.nav.users', icon: IconUsers, feature: 'users.manage' },
  {
    to: '/admin/api-keys',
    label: 'admin.nav.apiKeys',
    icon: IconPlugConnected,
    feature: 'users.manage',
  },
  { to: '/admin/security', label: 'admin.nav.security', icon: IconLock, feature: 'users.manage' },
  {
    to: '/admin/access-log',
    label: 'admin.nav.accessLog',
    icon: IconListSearch,
    feature: 'accesslog.view',
  },
];
