import { Alert, Badge, Button, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { validateDevicesCsv } from '@app/csv-merge/file-check';
import type { Finding } from '@app/csv-merge/types';

import { HeadedTable } from '../components/HeadedTable';
import { CsvInput } from '../import/CsvInput';

/**
 * `devices-csv validate` in the browser: the findings come from
 * libs/csv-merge's validateDevicesCsv, bundled into this page's chunk (the same module the CLI,
 * the API's import and the worker run; nothing is copied). Nothing is sent to the server.
 */
export default function ValidatePage() {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [findings, setFindings] = useState<Finding[] | null>(null);
  const errors = findings?.filter((f) => f.severity === 'error').length ?? 0;
  const warnings = (findings?.length ?? 0) - errors;
  return (
    <Stack>
      <Title order={2}>{t('validate.title')}</Title>
      <Text size="sm" c="dimmed">
        {t('validate.hint')}
      </Text>
      <CsvInput
        value={text}
        onChange={(s) => {
          setText(s);
          setFindings(null);
        }}
      >
        <Button onClick={() => setFindings(validateDevicesCsv(text))} disabled={text.trim() === ''}>
          {t('validate.run')}
        </Button>
      </CsvInput>
      {findings && findings.length === 0 && <Alert color="green">{t('validate.clean')}</Alert>}
      {findings && findings.length > 0 && (
        <>
          <Text fw={600} data-testid="validate-summary">
            {t('validate.summary', { errors, warnings })}
          </Text>
          <HeadedTable
            aria-label={t('validate.title')}
            columns={[t('validate.line'), t('validate.severity'), t('validate.code'), t('validate.message')]}
          >
            {findings.map((f, i) => (
              <Table.Tr key={i} data-line={f.line}>
                <Table.Td>{f.line}</Table.Td>
                <Table.Td>
                  <Badge color={f.severity === 'error' ? 'red' : 'yellow'} variant="light">
                    {t(f.severity === 'error' ? 'validate.errorLevel' : 'validate.warningLevel')}
                  </Badge>
                </Table.Td>
                <Table.Td ff="monospace">{f.code}</Table.Td>
                <Table.Td>{f.message}</Table.Td>
              </Table.Tr>
            ))}
          </HeadedTable>
        </>
      )}
    </Stack>
  );
}
