import { Alert, Button, Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../api/client';

/** The API's message for one field of a refused request, if it named that field. */
export function fieldMessage(err: unknown, field: string): string | undefined {
  return err instanceof ApiError ? err.fieldErrors.find((d) => d.field === field)?.message : undefined;
}

/** What the API said that belongs to no field, above the form. */
export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <Alert color="red" role="alert" data-testid="form-error">
      {message}
    </Alert>
  );
}

/** Cancel and Save at the foot of a form; Save submits it and spins while the request runs. */
export function FormActions({ onCancel, saving }: { onCancel: () => void; saving: boolean }) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onCancel}>
        {t('common.cancel')}
      </Button>
      <Button type="submit" loading={saving}>
        {t('common.save')}
      </Button>
    </Group>
  );
}
