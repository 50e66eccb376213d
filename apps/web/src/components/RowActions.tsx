import { ActionIcon, Group, Table } from '@mantine/core';
import { IconPencil, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

/**
 * The last cell of a row: a pencil and a red bin, each labelled with the row's name so a screen
 * reader (and a test) can tell "Delete pc07" from "Delete pc08". Without `onDelete` there is no bin
 * (the default school, or a role that may rename but not delete).
 */
export function RowActions({
  name,
  editLabel,
  onEdit,
  onDelete,
}: {
  name: string;
  /** what the pencil says before the name; `common.edit` unless given */
  editLabel?: string;
  onEdit: () => void;
  onDelete?: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Table.Td>
      <Group gap={4} wrap="nowrap">
        <ActionIcon variant="subtle" aria-label={`${editLabel ?? t('common.edit')} ${name}`} onClick={onEdit}>
          <IconPencil size={16} aria-hidden />
        </ActionIcon>
        {onDelete && (
          <ActionIcon variant="subtle" color="red" aria-label={`${t('common.delete')} ${name}`} onClick={onDelete}>
            <IconTrash size={16} aria-hidden />
          </ActionIcon>
        )}
      </Group>
    </Table.Td>
  );
}
