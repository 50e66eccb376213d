import {
  Alert,
  Button,
  Group,
  Loader,
  Pagination,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';

import { api } from '../api/client';
import type { Host, ProvisionStatus } from '../api/types';
import { useCanWrite } from '../auth/auth';
import { ConfirmDeleteModal } from '../components/ConfirmDelete';
import { PageHeader } from '../components/PageHeader';
import { keys } from '../live/cache';
import { useSchoolNames } from '../schools/queries';
import { SchoolSelect } from '../schools/SchoolSelect';
import { HostForm } from './HostForm';
import { HostsTable } from './HostsTable';
import { HostQuery, roomOptions, STATUSES, useHostPage, useResources, useTotals } from './queries';

const TOTAL_COLORS = { none: 'gray', pending: 'yellow', running: 'blue', synced: 'green', failed: 'red' } as const;

/** Runs `fn` over `items` with a few requests in flight; returns how many succeeded. */
async function each<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<number> {
  let ok = 0;
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(4, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        await fn(item).then(
          () => ok++,
          () => undefined,
        );
      }
    }),
  );
  return ok;
}

export function HostsPage() {
  const { t, i18n } = useTranslation();
  const canWrite = useCanWrite();
  const client = useQueryClient();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 150);
  const [filters, setFilters] = useState<Omit<HostQuery, 'search' | 'school'>>({
    page: 1,
    limit: 20,
    provisionStatus: '',
    roomId: '',
    configId: '',
    sort: 'hostname',
    order: 'asc',
  });
  // the school is kept in the URL (`/hosts?school=north`): a link or a reload shows the same school
  const [params, setParams] = useSearchParams();
  const school = params.get('school') ?? '';
  const query: HostQuery = { ...filters, search: debounced, school };
  const hosts = useHostPage(query);
  const totals = useTotals();
  const rooms = useResources('rooms', '', school);
  const schoolNames = useSchoolNames();
  const configs = useResources('configs');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<Host | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Host[] | null>(null);
  const nf = new Intl.NumberFormat(i18n.resolvedLanguage);

  const setSchool = (name: string | null) => {
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (name) next.set('school', name);
        else next.delete('school');
        return next;
      },
      { replace: true },
    );
    // a room belongs to one school: the room filter does not carry over
    setFilters((f) => ({ ...f, roomId: '', page: 1 }));
    setSelected(new Set());
  };
  const setFilter = <K extends keyof typeof filters>(key: K, value: (typeof filters)[K]) => {
    setFilters((f) => ({ ...f, [key]: value, page: key === 'page' ? (value as number) : 1 }));
    if (key !== 'page') setSelected(new Set());
  };
  const onSort = useCallback((field: HostQuery['sort']) => {
    setFilters((f) => ({ ...f, sort: field, order: f.sort === field && f.order === 'asc' ? 'desc' : 'asc', page: 1 }));
  }, []);
  const onSelect = useCallback((ids: string[], on: boolean) => {
    setSelected((prev) => {
      const next = new Set(prev);
      for (const id of ids)
        if (on) next.add(id);
        else next.delete(id);
      return next;
    });
  }, []);
  const onDelete = useCallback((h: Host) => setDeleting([h]), []);
  const onEdit = useCallback((h: Host) => setEditing(h), []);

  const rows = hosts.data?.data ?? [];
  const chosen = rows.filter((h) => selected.has(h.id));
  const done = (count: number, key: 'hosts.deleted' | 'hosts.queued') => {
    notifications.show({ message: t(key, { count }), color: 'green' });
    setSelected(new Set());
    void client.invalidateQueries({ queryKey: keys.hosts });
  };
  const confirmDelete = async () => {
    const list = deleting ?? [];
    setDeleting(null);
    done(await each(list, (h) => api.del(`/hosts/${h.id}`)), 'hosts.deleted');
  };
  const retryFailed = async () => {
    const failed = chosen.filter((h) => h.provisionStatus === 'failed' && h.provisionOpId);
    done(await each(failed, (h) => api.post(`/operations/provision/${h.provisionOpId}/retry`)), 'hosts.queued');
  };
  const provisionAgain = async () => {
    done(await each(chosen, (h) => api.post('/operations/provision', { hostId: h.id })), 'hosts.queued');
  };
  const options = (page: typeof rooms.data) => (page?.data ?? []).map((r) => ({ value: r.id, label: r.name }));

  return (
    <Stack>
      <PageHeader
        title={t('hosts.title')}
        newLabel={t('hosts.new')}
        onNew={canWrite ? () => setEditing('new') : undefined}
      />

      <SimpleGrid cols={{ base: 3, md: 6 }} spacing="xs" data-testid="totals">
        <Paper withBorder p="xs">
          <Text size="xs" c="dimmed">
            {t('hosts.total')}
          </Text>
          <Text fw={700} data-testid="total-all">
            {totals.data ? nf.format(totals.data.total) : '…'}
          </Text>
        </Paper>
        {(['none', ...STATUSES] as const).map((s) => (
          <Paper
            key={s}
            withBorder
            p="xs"
            style={{ borderLeft: `4px solid var(--mantine-color-${TOTAL_COLORS[s]}-6)` }}
          >
            <Text size="xs" c="dimmed">
              {t(`status.${s}`)}
            </Text>
            <Text fw={700} data-testid={`total-${s}`}>
              {totals.data ? nf.format(totals.data[s]) : '…'}
            </Text>
          </Paper>
        ))}
      </SimpleGrid>

      <Group align="flex-end" gap="sm" role="search">
        <TextInput
          label={t('common.search')}
          placeholder={t('hosts.searchPlaceholder')}
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
            setFilters((f) => ({ ...f, page: 1 }));
          }}
          w={200}
        />
        <Select
          label={t('hosts.filterStatus')}
          w={170}
          value={filters.provisionStatus || null}
          onChange={(v) => setFilter('provisionStatus', (v ?? '') as ProvisionStatus | '')}
          data={STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
          clearable
          placeholder={t('common.all')}
        />
        <SchoolSelect
          label={t('hosts.school')}
          w={150}
          value={school || null}
          onChange={setSchool}
          clearable
          placeholder={t('schools.all')}
        />
        <Select
          label={t('hosts.filterRoom')}
          w={140}
          value={filters.roomId || null}
          onChange={(v) => setFilter('roomId', v ?? '')}
          data={roomOptions(rooms.data?.data ?? [], schoolNames)}
          searchable
          clearable
          placeholder={t('common.all')}
        />
        <Select
          label={t('hosts.filterConfig')}
          w={140}
          value={filters.configId || null}
          onChange={(v) => setFilter('configId', v ?? '')}
          data={options(configs.data)}
          searchable
          clearable
          placeholder={t('common.all')}
        />
        <Select
          label={t('hosts.sortBy', { column: '' })}
          w={150}
          value={filters.sort}
          onChange={(v) => v && setFilter('sort', v as HostQuery['sort'])}
          allowDeselect={false}
          data={[
            { value: 'hostname', label: t('hosts.hostname') },
            { value: 'ipAddress', label: t('hosts.ip') },
            { value: 'createdAt', label: t('common.created') },
            { value: 'updatedAt', label: t('common.updated') },
          ]}
        />
        {hosts.isFetching && <Loader size="sm" aria-label={t('common.loading')} />}
      </Group>

      {canWrite && chosen.length > 0 && (
        <Group gap="xs" data-testid="bulk-actions">
          <Text size="sm">{t('hosts.selected', { count: chosen.length })}</Text>
          <Button size="xs" color="red" variant="light" onClick={() => setDeleting(chosen)}>
            {t('hosts.bulkDelete')}
          </Button>
          <Button size="xs" variant="light" onClick={() => void retryFailed()}>
            {t('hosts.bulkRetry')}
          </Button>
          <Button size="xs" variant="light" onClick={() => void provisionAgain()}>
            {t('hosts.bulkProvision')}
          </Button>
        </Group>
      )}

      {hosts.error && <Alert color="red">{t('common.error', { message: hosts.error.message })}</Alert>}
      <HostsTable
        rows={rows}
        sort={filters.sort}
        order={filters.order}
        onSort={onSort}
        selected={selected}
        onSelect={onSelect}
        canWrite={canWrite}
        onEdit={onEdit}
        onDelete={onDelete}
      />
      {hosts.data && rows.length === 0 && <Text c="dimmed">{t('hosts.empty')}</Text>}

      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {t('common.pageOf', { total: nf.format(hosts.data?.pagination.total ?? 0) })}
        </Text>
        <Group gap="sm">
          <Pagination
            total={hosts.data?.pagination.pages ?? 1}
            value={filters.page}
            onChange={(p) => setFilter('page', p)}
            size="sm"
            getControlProps={() => ({})}
          />
          <Select
            aria-label={t('common.perPage')}
            w={80}
            size="xs"
            value={String(filters.limit)}
            onChange={(v) => v && setFilter('limit', Number(v))}
            data={['20', '50', '100']}
            allowDeselect={false}
          />
        </Group>
      </Group>

      {editing && <HostForm host={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />}
      <ConfirmDeleteModal
        opened={deleting !== null}
        message={
          deleting?.length === 1
            ? t('hosts.confirmDelete', { hostname: deleting[0].hostname })
            : t('hosts.confirmBulkDelete', { count: deleting?.length ?? 0 })
        }
        onCancel={() => setDeleting(null)}
        onConfirm={() => void confirmDelete()}
      />
    </Stack>
  );
}
