import { Modal, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { api, ApiError } from '../api/client';
import type { NamedResource } from '../api/types';
import { can, useAuth } from '../auth/auth';
import { ConfirmNamedDelete, DeleteErrorAlert } from '../components/ConfirmDelete';
import { fieldMessage, FormActions } from '../components/FormParts';
import { HeadedTable } from '../components/HeadedTable';
import { PageHeader } from '../components/PageHeader';
import { RowActions } from '../components/RowActions';
import { DEFAULT_SCHOOL, useSchoolNames } from '../schools/queries';
import { SchoolSelect } from '../schools/SchoolSelect';

type Kind = 'rooms' | 'configs';

function fieldError(err: unknown, field: string): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  return (
    err.fieldErrors.find((d) => d.field === field)?.message ?? (err.fieldErrors.length === 0 ? err.message : undefined)
  );
}

function EditForm({ kind, item, onClose }: { kind: Kind; item?: NamedResource; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [name, setName] = useState(item?.name ?? '');
  const [description, setDescription] = useState(item?.description ?? '');
  const schoolNames = useSchoolNames();
  // a room belongs to one school, chosen when it is created; it never moves (docs/DOMAIN.md)
  const [school, setSchool] = useState<string | null>(DEFAULT_SCHOOL);
  const shownSchool = item?.schoolId ? (schoolNames.get(item.schoolId) ?? null) : school;
  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), description: description.trim() === '' ? null : description.trim() };
      if (item) return api.patch(`/${kind}/${item.id}`, body);
      return api.post(`/${kind}`, kind === 'rooms' ? { ...body, school: school ?? DEFAULT_SCHOOL } : body);
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: [kind] });
      void client.invalidateQueries({ queryKey: ['hosts'] });
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={item ? `${t('resources.rename')}: ${item.name}` : t(`resources.${kind}`)}>
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label={t('common.name')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={fieldError(save.error, 'name')}
            required
            data-autofocus
          />
          {kind === 'rooms' && (
            <SchoolSelect
              value={shownSchool}
              onChange={setSchool}
              disabled={item !== undefined}
              allowDeselect={false}
              error={fieldMessage(save.error, 'school')}
            />
          )}
          <TextInput
            label={t('common.description')}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={fieldMessage(save.error, 'description')}
          />
          <FormActions onCancel={onClose} saving={save.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}

/** Rooms or configs with their host counts; a delete refused with IN_USE says why. */
export default function ResourcesPage({ kind }: { kind: Kind }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const client = useQueryClient();
  const [editing, setEditing] = useState<NamedResource | 'new' | null>(null);
  const [deleting, setDeleting] = useState<NamedResource | null>(null);
  const [school, setSchool] = useState<string | null>(null);
  const schoolNames = useSchoolNames();
  const list = useQuery({
    queryKey: [kind, 'list', school],
    queryFn: () => api.page<NamedResource>(`/${kind}`, { limit: 100, school: kind === 'rooms' ? school : null }),
  });
  const remove = useMutation({
    mutationFn: (item: NamedResource) => api.del(`/${kind}/${item.id}`),
    onSuccess: () => {
      setDeleting(null);
      void client.invalidateQueries({ queryKey: [kind] });
    },
  });
  const canWrite = can.write(user?.role);
  const canDelete = can.deleteResource(user?.role);

  return (
    <Stack>
      <PageHeader
        title={t(`resources.${kind}`)}
        newLabel={t('resources.new')}
        onNew={canWrite ? () => setEditing('new') : undefined}
      />
      {remove.error && <DeleteErrorAlert error={remove.error} onClose={() => remove.reset()} />}
      {kind === 'rooms' && (
        <SchoolSelect value={school} onChange={setSchool} clearable placeholder={t('schools.all')} w={200} />
      )}
      <HeadedTable
        aria-label={t(`resources.${kind}`)}
        columns={[
          t('common.name'),
          kind === 'rooms' && t('schools.school'),
          t('common.description'),
          t('common.hostCount'),
          canWrite && t('common.actions'),
        ]}
      >
        {(list.data?.data ?? []).map((r) => (
          <Table.Tr key={r.id} data-name={r.name}>
            <Table.Td fw={600}>{r.name}</Table.Td>
            {kind === 'rooms' && <Table.Td>{(r.schoolId && schoolNames.get(r.schoolId)) ?? t('common.none')}</Table.Td>}
            <Table.Td>{r.description ?? t('common.none')}</Table.Td>
            <Table.Td>{r.hostCount}</Table.Td>
            {canWrite && (
              <RowActions
                name={r.name}
                editLabel={t('resources.rename')}
                onEdit={() => setEditing(r)}
                onDelete={canDelete ? () => setDeleting(r) : undefined}
              />
            )}
          </Table.Tr>
        ))}
      </HeadedTable>
      {list.data && list.data.pagination.total > list.data.data.length && (
        <Text size="sm" c="dimmed">
          {t('common.pageOf', { total: list.data.pagination.total })}
        </Text>
      )}
      {editing && (
        <EditForm kind={kind} item={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />
      )}
      <ConfirmNamedDelete item={deleting} remove={remove} onCancel={() => setDeleting(null)} />
    </Stack>
  );
}
