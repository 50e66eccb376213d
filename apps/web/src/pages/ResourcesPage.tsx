import { ActionIcon, Alert, Button, Group, Modal, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconPencil, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { api, ApiError } from '../api/client';
import type { NamedResource } from '../api/types';
import { can, useAuth } from '../auth/auth';
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
              error={
                save.error instanceof ApiError
                  ? save.error.fieldErrors.find((d) => d.field === 'school')?.message
                  : undefined
              }
            />
          )}
          <TextInput
            label={t('common.description')}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={
              save.error instanceof ApiError
                ? save.error.fieldErrors.find((d) => d.field === 'description')?.message
                : undefined
            }
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending}>
              {t('common.save')}
            </Button>
          </Group>
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
      <Group justify="space-between">
        <Title order={2}>{t(`resources.${kind}`)}</Title>
        {canWrite && <Button onClick={() => setEditing('new')}>{t('resources.new')}</Button>}
      </Group>
      {remove.error && (
        <Alert color="red" role="alert" data-testid="in-use" withCloseButton onClose={() => remove.reset()}>
          {remove.error instanceof ApiError && remove.error.code === 'IN_USE'
            ? t('resources.inUse', { message: remove.error.message })
            : remove.error.message}
        </Alert>
      )}
      {kind === 'rooms' && (
        <SchoolSelect value={school} onChange={setSchool} clearable placeholder={t('schools.all')} w={200} />
      )}
      <Table striped aria-label={t(`resources.${kind}`)}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('common.name')}</Table.Th>
            {kind === 'rooms' && <Table.Th>{t('schools.school')}</Table.Th>}
            <Table.Th>{t('common.description')}</Table.Th>
            <Table.Th>{t('common.hostCount')}</Table.Th>
            {canWrite && <Table.Th>{t('common.actions')}</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(list.data?.data ?? []).map((r) => (
            <Table.Tr key={r.id} data-name={r.name}>
              <Table.Td fw={600}>{r.name}</Table.Td>
              {kind === 'rooms' && (
                <Table.Td>{(r.schoolId && schoolNames.get(r.schoolId)) ?? t('common.none')}</Table.Td>
              )}
              <Table.Td>{r.description ?? t('common.none')}</Table.Td>
              <Table.Td>{r.hostCount}</Table.Td>
              {canWrite && (
                <Table.Td>
                  <Group gap={4}>
                    <ActionIcon
                      variant="subtle"
                      aria-label={`${t('resources.rename')} ${r.name}`}
                      onClick={() => setEditing(r)}
                    >
                      <IconPencil size={16} aria-hidden />
                    </ActionIcon>
                    {canDelete && (
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`${t('common.delete')} ${r.name}`}
                        onClick={() => setDeleting(r)}
                      >
                        <IconTrash size={16} aria-hidden />
                      </ActionIcon>
                    )}
                  </Group>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data && list.data.pagination.total > list.data.data.length && (
        <Text size="sm" c="dimmed">
          {t('common.pageOf', { total: list.data.pagination.total })}
        </Text>
      )}
      {editing && (
        <EditForm kind={kind} item={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />
      )}
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={t('common.confirm')}>
        <Stack>
          <Text>{t('resources.confirmDelete', { name: deleting?.name })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              {t('common.cancel')}
            </Button>
            <Button color="red" loading={remove.isPending} onClick={() => deleting && remove.mutate(deleting)}>
              {t('common.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
