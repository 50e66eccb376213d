import { Button, FileButton, Group, Textarea } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A devices.csv text, pasted or read from a file (the Import and Validate pages): `onChange` gets
 * the whole new text either way. `children` are the page's buttons, beside the upload button.
 */
export function CsvInput({
  value,
  onChange,
  children,
}: {
  value: string;
  onChange: (text: string) => void;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Textarea
        label={t('import.paste')}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
        autosize
        minRows={6}
        maxRows={16}
        styles={{ input: { fontFamily: 'monospace' } }}
      />
      <Group>
        <FileButton onChange={(f) => void f?.text().then(onChange)} accept=".csv,text/csv,text/plain">
          {(props) => (
            <Button variant="default" {...props}>
              {t('import.upload')}
            </Button>
          )}
        </FileButton>
        {children}
      </Group>
    </>
  );
}
