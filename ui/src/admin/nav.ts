/**
 * The administration entries of the navigation, each shown only with its permission. API
 * keys have no feature of their own: their routes ask for users.manage (a key acts for
 * its creator, so making one is managing access), and so does the entry; so do the
 * security settings (they decide how every user signs in), the webhooks, support access and
 * access reviews, whose routes ask for it too. The access log has its own.
 */
import {
  IconClipboardCheck,
  IconLifebuoy,
  IconListSearch,
  IconLock,
  IconPlugConnected,
  IconUsers,
  IconWebhook,
} from '@tabler/icons-react';
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
  {
    to: '/admin/webhooks',
    label: 'admin.nav.webhooks',
    icon: IconWebhook,
    feature: 'users.manage',
  },
  {
    to: '/admin/support-access',
    label: 'admin.nav.supportAccess',
    icon: IconLifebuoy,
    feature: 'users.manage',
  },
  {
    to: '/admin/access-reviews',
    label: 'admin.nav.accessReviews',
    icon: IconClipboardCheck,
    feature: 'users.manage',
  },
];
