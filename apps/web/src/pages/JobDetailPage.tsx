import { Alert, Badge, Button, Code, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';

import { api } from '../api/client';
import type { Operation } from '../api/types';
import { useCanWrite } from '../auth/auth';
import { keys } from '../live/cache';
import { OP_COLOR } from './JobsPage';

function Json({ value }: { value: unknown }) {
  return (
    <Code block style={{ whiteSpace: 'pre-wrap', maxHeight: 420, overflow: 'auto' }}>
      {JSON.stringify(value, null, 2)}
    </Code>
  );
}

/** One job: status, times, error, its result (merge statistics, verification) and the plan it carries. */
export default function JobDetailPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const canWrite = useCanWrite();
  const client = useQueryClient();
  const op = useQuery({ queryKey: keys.job(id), queryFn: () => api.get<Operation>(`/operations/provision/${id}`) });
  const retry = useMutation({
    mutationFn: () => api.post<Operation>(`/operations/provision/${id}/retry`),
    onSuccess: (next) => {
      client.setQueryData(keys.job(id), next);
      void client.invalidateQueries({ queryKey: keys.hosts });
    },
  });
  const fmt = (d: string | null) =>
    d
      ? new Intl.DateTimeFormat(i18n.resolvedLanguage, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(d))
      : t('common.none');
  if (op.error) return <Alert color="red">{t('common.error', { message: op.error.message })}</Alert>;
  if (!op.data) return <Text>{t('common.loading')}</Text>;
  const o = op.data;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('jobs.detail', { id: o.id })}</Title>
        {canWrite && o.status === 'failed' && (
          <Button onClick={() => retry.mutate()} loading={retry.isPending}>
            {t('common.retry')}
          </Button>
        )}
      </Group>
      {retry.error && <Alert color="red">{retry.error.message}</Alert>}
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Paper withBorder p="xs">
          <Text size="xs" c="dimmed">
            {t('jobs.status')}
          </Text>
          <Badge color={OP_COLOR[o.status]} data-testid="job-status">
            {t(`jobs.statuses.${o.status}`)}
          </Badge>
        </Paper>
        <Paper withBorder p="xs">
          <Text size="xs" c="dimmed">
            {t('jobs.action')} / {t('jobs.host')}
          </Text>
          <Text>
            {o.action} · {o.targetHost}
          </Text>
        </Paper>
        <Paper withBorder p="xs">
          <Text size="xs" c="dimmed">
            {t('jobs.attempt')}
          </Text>
          <Text>
            {o.attempt} / {o.maxAttempts}
          </Text>
        </Paper>
        <Paper withBorder p="xs">
          <Text size="xs" c="dimmed">
            {t('common.created')} · {t('jobs.started')} · {t('jobs.completed')}
          </Text>
          <Text size="xs">{fmt(o.createdAt)}</Text>
          <Text size="xs">{fmt(o.startedAt)}</Text>
          <Text size="xs">{fmt(o.completedAt)}</Text>
        </Paper>
      </SimpleGrid>
      {o.error && (
        <Alert color="red" title={t('jobs.error')}>
          {o.error}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Stack gap={4}>
          <Title order={3} size="h5">
            {t('jobs.result')}
          </Title>
          <Json value={o.result} />
        </Stack>
        <Stack gap={4}>
          <Title order={3} size="h5">
            {t('jobs.options')}
          </Title>
          <Json value={o.options} />
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}
