import { Select, SelectProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { useSchools } from './queries';

/**
 * A school chosen by name (the API's `?school=` and `school` fields take names). With `clearable`
 * an empty choice means "all schools"; without it a value is always set.
 */
export function SchoolSelect({
  value,
  onChange,
  ...props
}: { value: string | null; onChange(name: string | null): void } & Omit<SelectProps, 'data' | 'value' | 'onChange'>) {
  const { t } = useTranslation();
  const schools = useSchools();
  return (
    <Select
      label={t('schools.school')}
      data={(schools.data ?? []).map((s) => s.name)}
      value={value}
      onChange={onChange}
      searchable
      nothingFoundMessage="–"
      {...props}
    />
  );
}
