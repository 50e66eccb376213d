import { Alert, Button, Group, Progress, Stack, Table, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { api } from '../api/client';
import type { Host } from '../api/types';
import { StatusBadge } from '../hosts/StatusBadge';
import { useLive } from '../live/LiveProvider';

type Tracked = Pick<Host, 'id' | 'hostname' | 'provisionStatus' | 'provisionOpId' | 'provisionError'>;

/**
 * Follows the hosts an import queued: one read of each after the import, then
 * only socket events — "n of m synced", failures with their errors, retry.
 */
export function ImportProgress({ hostnames }: { hostnames: string[] }) {
  const { t } = useTranslation();
  const { subscribe } = useLive();
  const [hosts, setHosts] = useState<Map<string, Tracked>>(new Map());

  useEffect(() => {
    let live = true;
    void Promise.all(
      hostnames.map((n) => api.get<Host>(`/hosts/by-name/${encodeURIComponent(n)}`).catch(() => null)),
    ).then((found) => {
      if (!live) return;
      setHosts((prev) => {
        const next = new Map(prev);
        for (const h of found) if (h && !next.has(h.hostname)) next.set(h.hostname, h);
        return next;
      });
    });
    const wanted = new Set(hostnames);
    const unsubscribe = subscribe((events) => {
      setHosts((prev) => {
        let next: Map<string, Tracked> | null = null;
        for (const ev of events) {
          if (
            ev.type !== 'provision.job.created' &&
            ev.type !== 'provision.job.updated' &&
            ev.type !== 'provision.job.failed'
          )
            continue;
          const e = ev.data;
          if (!wanted.has(e.hostname) || e.status === 'cancelled' || !e.hostId) continue;
          next ??= new Map(prev);
          next.set(e.hostname, {
            id: e.hostId,
            hostname: e.hostname,
            provisionStatus: e.provisionStatus,
            provisionOpId: e.operationId,
            provisionError: e.provisionStatus === 'failed' ? (e.error ?? null) : null,
          });
        }
        return next ?? prev;
      });
    });
    return () => {
      live = false;
      unsubscribe();
    };
  }, [hostnames, subscribe]);

  const list = hostnames.map((n) => hosts.get(n)).filter((h): h is Tracked => h !== undefined);
  const synced = list.filter((h) => h.provisionStatus === 'synced').length;
  const failed = list.filter((h) => h.provisionStatus === 'failed');
  const retry = () =>
    Promise.all(failed.map((h) => api.post(`/operations/provision/${h.provisionOpId}/retry`).catch(() => undefined)));

  return (
    <Stack gap="xs" data-testid="import-progress">
      <Group justify="space-between">
        <Text fw={600} data-testid="import-progress-text">
          {t('import.progress', { synced, total: hostnames.length })}
        </Text>
        {failed.length > 0 && (
          <Group gap="xs">
            <Text c="red">{t('import.failures', { count: failed.length })}</Text>
            <Button size="xs" onClick={() => void retry()}>
              {t('import.retryFailed')}
            </Button>
          </Group>
        )}
      </Group>
      <Progress
        value={hostnames.length ? (100 * synced) / hostnames.length : 0}
        color={failed.length ? 'red' : 'green'}
        aria-label={t('import.progress', { synced, total: hostnames.length })}
      />
      <Table verticalSpacing={2}>
        <Table.Tbody>
          {list.map((h) => (
            <Table.Tr key={h.hostname} data-hostname={h.hostname}>
              <Table.Td>{h.hostname}</Table.Td>
              <Table.Td>
                <StatusBadge host={h} />
              </Table.Td>
              <Table.Td>
                {h.provisionError && (
                  <Alert color="red" p={4} data-testid="row-error">
                    {h.provisionError}
                  </Alert>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
