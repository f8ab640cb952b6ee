/** The frame of every signed-in page: navigation by permission, the account menu, the page. */
import { AppShell, Burger, Group, Menu, NavLink, Text, Title, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconAddressBook,
  IconChevronDown,
  IconGauge,
  IconGavel,
  IconKey,
  IconLanguage,
  IconList,
  IconLogout,
  IconShieldLock,
} from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { can, logOut, sessionQuery } from '../api/session';
import { adminNav } from '../admin/nav';
import { languages } from '../i18n';
import type { NavItem } from './nav-item';
import { useSession } from './use-session';

/** The product's own pages; each area adds its entries after them. */
const coreNav: NavItem[] = [
  { to: '/', label: 'nav.dashboard', icon: IconGauge },
  { to: '/lists', label: 'nav.lists', icon: IconList },
  { to: '/contacts', label: 'nav.contacts', icon: IconAddressBook, feature: 'contacts.view' },
  { to: '/rights', label: 'nav.rights', icon: IconGavel, feature: 'rights.manage' },
];
const navItems = [...coreNav, ...adminNav];

export function Shell() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const [opened, { toggle, close }] = useDisclosure();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const forcedStep = session.mustChangePassword || session.totpEnrolmentRequired;

  const signOut = async () => {
    await logOut().catch(() => undefined);
    queryClient.clear();
    queryClient.setQueryData(sessionQuery.queryKey, null);
    await navigate({ to: '/sign-in', search: {} });
  };

  // A forced first step (password change, 2FA enrolment) comes alone, without the console.
  if (forcedStep) return <Outlet />;

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={t('nav.toggle')}
            />
            <Title order={1} size="h4">
              Consentflow
            </Title>
          </Group>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <UnstyledButton aria-label={t('account.menu')}>
                <Group gap={6}>
                  <Text size="sm">{session.user.email}</Text>
                  <IconChevronDown size={14} aria-hidden />
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{t('account.tenant', { id: session.user.tenantId })}</Menu.Label>
              <Menu.Item
                leftSection={<IconKey size={16} />}
                onClick={() => navigate({ to: '/account/password', search: {} })}
              >
                {t('account.changePassword')}
              </Menu.Item>
              <Menu.Item
                leftSection={<IconShieldLock size={16} />}
                onClick={() => navigate({ to: '/account/two-factor', search: {} })}
              >
                {t('account.twoFactor')}
              </Menu.Item>
              <Menu.Divider />
              <Menu.Label>
                <Group gap={4}>
                  <IconLanguage size={14} aria-hidden />
                  {t('account.language')}
                </Group>
              </Menu.Label>
              {languages.map((lng) => (
                <Menu.Item
                  key={lng.code}
                  onClick={() => void i18n.changeLanguage(lng.code)}
                  aria-current={i18n.resolvedLanguage === lng.code ? 'true' : undefined}
                  fw={i18n.resolvedLanguage === lng.code ? 700 : undefined}
                >
                  {lng.name}
                </Menu.Item>
              ))}
              <Menu.Divider />
              <Menu.Item leftSection={<IconLogout size={16} />} onClick={() => void signOut()}>
                {t('account.signOut')}
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label={t('nav.label')}>
        {navItems
          .filter((item) => !item.feature || can(session, item.feature))
          .map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to as '/'}
              label={t(item.label)}
              leftSection={<item.icon size={18} aria-hidden />}
              active={item.to === '/' ? pathname === '/' : pathname.startsWith(item.to)}
              onClick={close}
            />
          ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
