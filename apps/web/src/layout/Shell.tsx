import { AppShell, Badge, Burger, Button, Group, NavLink, SegmentedControl, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink as RouterLink, useLocation } from 'react-router-dom';

import { useAuth } from '../auth/auth';
import { useLive } from '../live/LiveProvider';

const PAGES = ['hosts', 'import', 'jobs', 'schools', 'rooms', 'configs', 'validate'] as const;

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('lang.label')}
      value={i18n.resolvedLanguage ?? 'en'}
      onChange={(lng) => void i18n.changeLanguage(lng)}
      data={[
        { value: 'en', label: 'EN' },
        { value: 'de', label: 'DE' },
      ]}
    />
  );
}

/** Header (live state, language, user, sign-out) and the navigation; collapses below tablet width. */
export function Shell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { user, logout } = useAuth();
  const { connected } = useLive();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 200, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a href="#main" className="skip-link" style={{ position: 'absolute', left: -9999 }}>
        {t('app.skip')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="menu" />
            <Title order={1} size="h4">
              {t('app.title')}
            </Title>
            <Badge color={connected ? 'green' : 'gray'} variant="light" data-testid="live-state">
              {connected ? t('common.live') : t('common.offline')}
            </Badge>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LanguageSwitch />
            <Text size="sm" visibleFrom="sm" data-testid="current-user">
              {t('auth.signedInAs', { username: user?.username, role: user?.role })}
            </Text>
            <Button variant="subtle" size="xs" onClick={logout}>
              {t('auth.logout')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="main">
        {PAGES.map((p) => (
          <NavLink
            key={p}
            component={RouterLink}
            to={`/${p}`}
            label={t(`nav.${p}`)}
            active={location.pathname.startsWith(`/${p}`)}
            onClick={close}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main id="main">{children}</AppShell.Main>
    </AppShell>
  );
}
