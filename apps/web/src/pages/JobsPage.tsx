import {
  Anchor,
  Badge,
  Group,
  Pagination,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';

import { api } from '../api/client';
import type { Operation, OperationStatus } from '../api/types';
import { HeadedTable } from '../components/HeadedTable';
import { keys } from '../live/cache';

export const OP_STATUSES: OperationStatus[] = ['pending', 'running', 'completed', 'failed', 'retrying', 'cancelled'];
export const OP_COLOR: Record<OperationStatus, string> = {
  pending: 'yellow',
  running: 'blue',
  completed: 'green',
  failed: 'red',
  retrying: 'orange',
  cancelled: 'gray',
};

const isDeadLetter = (op: Operation) => (op.result as { code?: string } | null)?.code === 'DEAD_LETTERED';

/** Provisioning operations, newest first, with filters; rows follow the socket. */
export default function JobsPage() {
  const { t, i18n } = useTranslation();
  const [view, setView] = useState<'all' | 'dead'>('all');
  const [status, setStatus] = useState<OperationStatus | ''>('');
  const [hostname, setHostname] = useState('');
  const [host] = useDebouncedValue(hostname.trim(), 200);
  const [page, setPage] = useState(1);
  const q = { status: view === 'dead' ? 'failed' : status, hostname: host, page, limit: view === 'dead' ? 100 : 25 };
  const jobs = useQuery({
    queryKey: [...keys.jobList, q],
    queryFn: () => api.page<Operation>('/operations/provision', q),
    placeholderData: keepPreviousData,
  });
  const fmt = new Intl.DateTimeFormat(i18n.resolvedLanguage, { dateStyle: 'short', timeStyle: 'medium' });
  const rows = (jobs.data?.data ?? []).filter((op) => view === 'all' || isDeadLetter(op));

  return (
    <Stack>
      <Title order={2}>{t('jobs.title')}</Title>
      <Group align="flex-end">
        <SegmentedControl
          value={view}
          onChange={(v) => {
            setView(v as 'all' | 'dead');
            setPage(1);
          }}
          data={[
            { value: 'all', label: t('common.all') },
            { value: 'dead', label: t('jobs.deadLetters') },
          ]}
        />
        {view === 'all' && (
          <Select
            label={t('jobs.status')}
            w={180}
            value={status || null}
            onChange={(v) => {
              setStatus((v ?? '') as OperationStatus | '');
              setPage(1);
            }}
            data={OP_STATUSES.map((s) => ({ value: s, label: t(`jobs.statuses.${s}`) }))}
            clearable
            placeholder={t('common.all')}
          />
        )}
        <TextInput
          label={t('jobs.filterHost')}
          value={hostname}
          onChange={(e) => {
            setHostname(e.currentTarget.value);
            setPage(1);
          }}
          w={200}
        />
      </Group>
      {view === 'dead' && (
        <Text size="sm" c="dimmed">
          {t('jobs.deadLettersHint')}
        </Text>
      )}
      <Table.ScrollContainer minWidth={800}>
        <HeadedTable
          highlightOnHover
          aria-label={t('jobs.title')}
          columns={[
            t('jobs.status'),
            t('jobs.action'),
            t('jobs.host'),
            t('jobs.attempt'),
            t('jobs.times'),
            t('jobs.error'),
          ]}
        >
          {rows.map((op) => (
            <Table.Tr key={op.id} data-operation={op.id}>
              <Table.Td>
                <Badge color={OP_COLOR[op.status]} variant="light">
                  {t(`jobs.statuses.${op.status}`)}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Anchor component={Link} to={`/jobs/${op.id}`}>
                  {op.action}
                </Anchor>
              </Table.Td>
              <Table.Td>{op.targetHost ?? t('common.none')}</Table.Td>
              <Table.Td>
                {op.attempt} / {op.maxAttempts}
              </Table.Td>
              <Table.Td>
                <Text size="xs">{fmt.format(new Date(op.createdAt))}</Text>
                {op.completedAt && (
                  <Text size="xs" c="dimmed">
                    {fmt.format(new Date(op.completedAt))}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Text size="xs" c="red" lineClamp={2} maw={360}>
                  {op.error}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </HeadedTable>
      </Table.ScrollContainer>
      {view === 'all' && (
        <Pagination total={jobs.data?.pagination.pages ?? 1} value={page} onChange={setPage} size="sm" />
      )}
    </Stack>
  );
}
