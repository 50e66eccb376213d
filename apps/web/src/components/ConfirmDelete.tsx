import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import type { UseMutationResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../api/client';

/** "Really delete …?" with Cancel and a red Delete; `message` names what goes. */
export function ConfirmDeleteModal({
  opened,
  message,
  loading,
  onCancel,
  onConfirm,
}: {
  opened: boolean;
  message: ReactNode;
  loading?: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onCancel} title={t('common.confirm')}>
      <Stack>
        <Text>{message}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
          <Button color="red" loading={loading} onClick={onConfirm}>
            {t('common.delete')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The confirm modal for one named thing (a school, room or config) that `remove` deletes. */
export function ConfirmNamedDelete<T extends { name: string }>({
  item,
  remove,
  onCancel,
}: {
  item: T | null;
  remove: UseMutationResult<unknown, Error, T>;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  return (
    <ConfirmDeleteModal
      opened={item !== null}
      message={t('resources.confirmDelete', { name: item?.name })}
      loading={remove.isPending}
      onCancel={onCancel}
      onConfirm={() => item && remove.mutate(item)}
    />
  );
}

/** Why a delete was refused: IN_USE says what still uses the thing, anything else as the API words it. */
export function DeleteErrorAlert({ error, onClose }: { error: Error; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert color="red" role="alert" data-testid="in-use" withCloseButton onClose={onClose}>
      {error instanceof ApiError && error.code === 'IN_USE'
        ? t('resources.inUse', { message: error.message })
        : error.message}
    </Alert>
  );
}
