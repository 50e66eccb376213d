import { Badge, Loader, Popover, Stack, Text, UnstyledButton } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { api } from '../api/client';
import type { Host, Operation } from '../api/types';
import { keys } from '../live/cache';

const LOOK = {
  pending: { color: 'yellow', variant: 'dot' },
  running: { color: 'blue', variant: 'light' },
  synced: { color: 'green', variant: 'light' },
  failed: { color: 'red', variant: 'filled' },
} as const;

const ICON = { synced: '✓', failed: '✕' } as const;

/**
 * The provisioning badge beside a host name (none → nothing, pending → yellow dot
 * "Queued", running → blue spinner "Provisioning…", synced → green check, failed → red mark).
 * Clicking it shows the operation id, its attempt and the last error.
 */
export function StatusBadge({
  host,
}: {
  host: Pick<Host, 'hostname' | 'provisionStatus' | 'provisionOpId' | 'provisionError'>;
}) {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  const status = host.provisionStatus;
  const op = useQuery({
    queryKey: keys.job(host.provisionOpId ?? 'none'),
    queryFn: () => api.get<Operation>(`/operations/provision/${host.provisionOpId}`),
    enabled: opened && host.provisionOpId !== null,
  });
  if (!status) return null;
  const look = LOOK[status];
  const left =
    status === 'running' ? (
      <Loader size={10} color="blue" aria-hidden />
    ) : status === 'synced' || status === 'failed' ? (
      <span aria-hidden>{ICON[status]}</span>
    ) : undefined;
  return (
    <Popover opened={opened} onChange={setOpened} withArrow shadow="md" width={320}>
      <Popover.Target>
        <UnstyledButton onClick={() => setOpened((o) => !o)} aria-label={`${host.hostname}: ${t(`status.${status}`)}`}>
          <Badge
            color={look.color}
            variant={look.variant}
            leftSection={left}
            data-testid="status-badge"
            data-status={status}
          >
            {t(`status.${status}`)}
          </Badge>
        </UnstyledButton>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap={4}>
          {host.provisionOpId && <Text size="xs">{t('status.operation', { id: host.provisionOpId })}</Text>}
          {op.data && (
            <Text size="xs">{t('status.attempt', { attempt: op.data.attempt, max: op.data.maxAttempts })}</Text>
          )}
          {host.provisionError && (
            <Text size="xs" c="red">
              {t('status.error', { error: host.provisionError })}
            </Text>
          )}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
