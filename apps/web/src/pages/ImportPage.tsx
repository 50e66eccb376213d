import { Alert, Badge, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { api } from '../api/client';
import { download } from '../api/download';
import type { Host, ImportSummary } from '../api/types';
import { useCanWrite } from '../auth/auth';
import { HeadedTable } from '../components/HeadedTable';
import { CsvInput } from '../import/CsvInput';
import { ImportProgress } from '../import/ImportProgress';
import { hostnamesOf, LineOutcome, PreviewLine, previewLines } from '../import/preview';
import { DEFAULT_SCHOOL } from '../schools/queries';
import { SchoolSelect } from '../schools/SchoolSelect';

const OUTCOME_COLOR: Record<LineOutcome, string> = { new: 'green', update: 'blue', unchanged: 'gray', error: 'red' };

/** The hosts of `school` that the file names (hostnames are unique per school, not across them). */
async function existingHosts(names: string[], school: string): Promise<Map<string, Host>> {
  const found = new Map<string, Host>();
  const queue = [...names];
  await Promise.all(
    Array.from({ length: Math.min(6, queue.length) }, async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        const h = await api.get<Host>(`/hosts/by-name/${encodeURIComponent(n)}`, { school }).catch(() => null);
        if (h) found.set(h.hostname, h);
      }
    }),
  );
  return found;
}

/** linuxmuster's name for a school's file (`/etc/linuxmuster/sophomorix/<S>/<S>.devices.csv`). */
function devicesFile(school: string): string {
  return school === DEFAULT_SCHOOL ? 'devices.csv' : `${school}.devices.csv`;
}

/** Upload or paste → dry run per line → import → live progress. */
export default function ImportPage() {
  const { t } = useTranslation();
  const canWrite = useCanWrite();
  const [text, setText] = useState('');
  const [preview, setPreview] = useState<{ summary: ImportSummary; lines: PreviewLine[] } | null>(null);
  const [queued, setQueued] = useState<{ summary: ImportSummary; hostnames: string[] } | null>(null);
  // a devices.csv is one school's file (`?school=`): the preview, the import and the exports use it
  const [school, setSchool] = useState<string>(DEFAULT_SCHOOL);

  const dryRun = useMutation({
    mutationFn: async () => {
      const summary = await api.postText<ImportSummary>('/import/devices', text, { dryRun: 'true', school });
      return { summary, lines: previewLines(text, summary, await existingHosts(hostnamesOf(text), school)) };
    },
    onSuccess: (p) => {
      setPreview(p);
      setQueued(null);
    },
  });
  const run = useMutation({
    mutationFn: () => api.postText<ImportSummary>('/import/devices', text, { school }),
    onSuccess: (summary) => {
      const changed = (preview?.lines ?? [])
        .filter((l) => l.outcome === 'new' || l.outcome === 'update')
        .map((l) => l.hostname);
      setQueued({ summary, hostnames: changed });
    },
  });
  const error = dryRun.error ?? run.error;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('import.title')}</Title>
        <Group gap="xs">
          <Button
            variant="default"
            size="xs"
            onClick={() => void download(`/export/devices?school=${encodeURIComponent(school)}`, devicesFile(school))}
          >
            {t('import.export')}
          </Button>
          <Button
            variant="default"
            size="xs"
            onClick={() => void download(`/export/hosts?school=${encodeURIComponent(school)}`, `${school}.hosts.csv`)}
          >
            {t('import.exportSheet')}
          </Button>
        </Group>
      </Group>
      <SchoolSelect
        value={school}
        onChange={(name) => {
          setSchool(name ?? DEFAULT_SCHOOL);
          // the preview was planned against the other school's hosts
          setPreview(null);
          setQueued(null);
        }}
        allowDeselect={false}
        description={t('import.schoolHint')}
        w={320}
      />
      {canWrite && (
        <>
          <CsvInput
            value={text}
            onChange={(s) => {
              setText(s);
              setPreview(null);
            }}
          >
            <Button onClick={() => dryRun.mutate()} loading={dryRun.isPending} disabled={text.trim() === ''}>
              {t('import.preview')}
            </Button>
            <Button
              color="green"
              onClick={() => run.mutate()}
              loading={run.isPending}
              disabled={
                !preview ||
                queued !== null ||
                preview.lines.every((l) => l.outcome === 'error' || l.outcome === 'unchanged')
              }
            >
              {t('import.run')}
            </Button>
          </CsvInput>
        </>
      )}
      {error && <Alert color="red">{t('common.error', { message: error.message })}</Alert>}
      {preview && (
        <Stack gap="xs" data-testid="import-preview">
          <Text fw={600} data-testid="import-counts">
            {t('import.counts', { ...preview.summary })}
          </Text>
          <HeadedTable
            aria-label={t('import.preview')}
            columns={[t('import.line'), t('hosts.hostname'), t('import.outcome'), t('import.message')]}
          >
            {preview.lines.map((l) => (
              <Table.Tr key={l.line} data-line={l.line} data-outcome={l.outcome}>
                <Table.Td>{l.line}</Table.Td>
                <Table.Td ff="monospace">{l.hostname}</Table.Td>
                <Table.Td>
                  <Badge color={OUTCOME_COLOR[l.outcome]} variant="light">
                    {t(`import.${l.outcome}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={l.outcome === 'error' ? 'red' : undefined}>
                    {l.messages.join('; ')}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </HeadedTable>
        </Stack>
      )}
      {queued && (
        <Stack gap="xs">
          <Alert color="green">{t('import.done', { jobs: queued.summary.jobsQueued })}</Alert>
          {queued.hostnames.length > 0 ? (
            <ImportProgress hostnames={queued.hostnames} />
          ) : (
            <Text>{t('import.nothing')}</Text>
          )}
        </Stack>
      )}
    </Stack>
  );
}
