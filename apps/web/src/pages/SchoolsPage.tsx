import { Alert, Badge, Modal, SegmentedControl, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { api, ApiError } from '../api/client';
import type { CsvCol0Source, School } from '../api/types';
import { can, useAuth } from '../auth/auth';
import { ConfirmNamedDelete, DeleteErrorAlert } from '../components/ConfirmDelete';
import { FormActions, FormError } from '../components/FormParts';
import { HeadedTable } from '../components/HeadedTable';
import { PageHeader } from '../components/PageHeader';
import { RowActions } from '../components/RowActions';
import { DEFAULT_SCHOOL, schoolKeys, useDcs, useSchools } from '../schools/queries';

const FIELDS = ['name', 'dcId', 'csvCol0Source', 'description'] as const;
type Field = (typeof FIELDS)[number];

/** The API's message for a field, and what is left for the alert above the form. */
function splitErrors(err: unknown): { byField: Partial<Record<Field, string>>; general: string | null } {
  if (!(err instanceof ApiError)) return { byField: {}, general: err instanceof Error ? err.message : null };
  const byField: Partial<Record<Field, string>> = {};
  for (const d of err.fieldErrors) {
    if ((FIELDS as readonly string[]).includes(d.field)) byField[d.field as Field] = d.message;
  }
  return { byField, general: Object.keys(byField).length === 0 ? err.message : null };
}

/**
 * Create a school (name, DC, column 0) or change one: the name is fixed once created (it names the
 * school's files on the DC and prefixes its AD names), so an edit changes only DC, column 0 and
 * description. The API's refusals (IN_USE for a DC move with hosts, COL0_INVALID, DC_NAME_TOO_LONG)
 * are shown as it words them.
 */
export function SchoolForm({ school, onClose }: { school?: School; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const dcs = useDcs(true);
  const [name, setName] = useState(school?.name ?? '');
  const [dcId, setDcId] = useState<string | null>(school?.dcId ?? 'default');
  const [col0, setCol0] = useState<CsvCol0Source>(school?.csvCol0Source ?? 'room');
  const [description, setDescription] = useState(school?.description ?? '');
  const save = useMutation({
    mutationFn: () => {
      const common = {
        csvCol0Source: col0,
        description: description.trim() === '' ? null : description.trim(),
        ...(dcId ? { dcId } : {}),
      };
      return school
        ? api.patch<School>(`/schools/${school.id}`, common)
        : api.post<School>('/schools', { name: name.trim(), ...common });
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: schoolKeys.schools });
      void client.invalidateQueries({ queryKey: schoolKeys.dcs });
      // a change of column 0 re-queues every host of the school
      void client.invalidateQueries({ queryKey: ['hosts'] });
      onClose();
    },
  });
  const { byField, general } = splitErrors(save.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const dcOptions = (dcs.data ?? []).map((d) => ({
    value: d.id,
    label: d.description ? `${d.id} – ${d.description}` : d.id,
  }));
  return (
    <Modal opened onClose={onClose} title={school ? t('schools.editTitle', { name: school.name }) : t('schools.new')}>
      <form onSubmit={submit} noValidate>
        <Stack>
          <FormError message={general} />
          <TextInput
            label={t('common.name')}
            description={school ? t('schools.nameFixed') : t('schools.nameHint')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={byField.name}
            disabled={school !== undefined}
            required
            data-autofocus
          />
          <Select
            label={t('schools.dc')}
            data={dcOptions.length > 0 ? dcOptions : [{ value: dcId ?? 'default', label: dcId ?? 'default' }]}
            value={dcId}
            onChange={setDcId}
            error={byField.dcId}
            allowDeselect={false}
          />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="col0-label">
              {t('schools.col0')}
            </Text>
            <SegmentedControl
              aria-labelledby="col0-label"
              value={col0}
              onChange={(v) => setCol0(v as CsvCol0Source)}
              data={[
                { value: 'room', label: t('schools.col0room') },
                { value: 'group', label: t('schools.col0group') },
              ]}
            />
            <Text size="xs" c={byField.csvCol0Source ? 'red' : 'dimmed'}>
              {byField.csvCol0Source ?? t('schools.col0Hint')}
            </Text>
          </Stack>
          <TextInput
            label={t('common.description')}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={byField.description}
          />
          <FormActions onCancel={onClose} saving={save.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}

/** Schools with their DC and column-0 source; only admins change them. */
export default function SchoolsPage() {
  const { t } = useTranslation();
  const { user } = useAuth();
  const client = useQueryClient();
  const isAdmin = can.manageSchools(user?.role);
  const schools = useSchools();
  const [editing, setEditing] = useState<School | 'new' | null>(null);
  const [deleting, setDeleting] = useState<School | null>(null);
  const remove = useMutation({
    mutationFn: (s: School) => api.del(`/schools/${s.id}`),
    onSuccess: () => {
      setDeleting(null);
      void client.invalidateQueries({ queryKey: schoolKeys.schools });
      void client.invalidateQueries({ queryKey: schoolKeys.dcs });
    },
    onError: () => setDeleting(null),
  });

  return (
    <Stack>
      <PageHeader
        title={t('schools.title')}
        newLabel={t('schools.new')}
        onNew={isAdmin ? () => setEditing('new') : undefined}
      />
      {schools.error && <Alert color="red">{t('common.error', { message: schools.error.message })}</Alert>}
      {remove.error && <DeleteErrorAlert error={remove.error} onClose={() => remove.reset()} />}
      <HeadedTable
        aria-label={t('schools.title')}
        columns={[
          t('common.name'),
          t('schools.dc'),
          t('schools.col0'),
          t('schools.rooms'),
          t('common.hostCount'),
          t('common.description'),
          isAdmin && t('common.actions'),
        ]}
      >
        {(schools.data ?? []).map((s) => (
          <Table.Tr key={s.id} data-name={s.name}>
            <Table.Td fw={600}>{s.name}</Table.Td>
            <Table.Td ff="monospace">{s.dcId}</Table.Td>
            <Table.Td>
              <Badge variant="light" color={s.csvCol0Source === 'group' ? 'grape' : 'blue'} data-testid="col0">
                {s.csvCol0Source}
              </Badge>
            </Table.Td>
            <Table.Td>{s.roomCount}</Table.Td>
            <Table.Td>{s.hostCount}</Table.Td>
            <Table.Td>{s.description ?? t('common.none')}</Table.Td>
            {isAdmin && (
              <RowActions
                name={s.name}
                onEdit={() => setEditing(s)}
                onDelete={s.name !== DEFAULT_SCHOOL ? () => setDeleting(s) : undefined}
              />
            )}
          </Table.Tr>
        ))}
      </HeadedTable>
      {editing && <SchoolForm school={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />}
      <ConfirmNamedDelete item={deleting} remove={remove} onCancel={() => setDeleting(null)} />
    </Stack>
  );
}
