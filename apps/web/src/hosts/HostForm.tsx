import { Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { DEVICE_ROLES } from '@app/csv-merge/device-line';

import { api, ApiError } from '../api/client';
import type { Host } from '../api/types';
import { FormActions, FormError } from '../components/FormParts';
import { keys } from '../live/cache';
import { DEFAULT_SCHOOL, useSchoolNames } from '../schools/queries';
import { roomOptions, useResources } from './queries';

interface Values {
  hostname: string;
  macAddress: string;
  ipAddress: string;
  roomId: string | null;
  configId: string | null;
  role: string;
  pxeFlag: string;
}

const FIELDS = ['hostname', 'macAddress', 'ipAddress', 'roomId', 'configId', 'role', 'pxeFlag'] as const;
type Field = (typeof FIELDS)[number];

function initial(host?: Host): Values {
  return {
    hostname: host?.hostname ?? '',
    macAddress: host?.macAddress ?? '',
    ipAddress: host?.ipAddress ?? '',
    roomId: host?.roomId ?? null,
    configId: host?.configId ?? null,
    role: host?.role ?? 'classroom-studentcomputer',
    pxeFlag: String(host?.pxeFlag ?? 1),
  };
}

function body(v: Values) {
  return {
    hostname: v.hostname.trim(),
    macAddress: v.macAddress.trim(),
    ipAddress: v.ipAddress.trim() === '' ? null : v.ipAddress.trim(),
    roomId: v.roomId,
    configId: v.configId,
    role: v.role,
    pxeFlag: Number(v.pxeFlag),
  };
}

/**
 * Create or edit a host. The API decides what is valid: its
 * `details[{field, message}]` land on the fields, a 409 on the field it names.
 */
export function HostForm({ host, onClose }: { host?: Host; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [values, setValues] = useState<Values>(() => initial(host));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const rooms = useResources('rooms');
  const configs = useResources('configs');
  const schoolNames = useSchoolNames();
  // a host's school is its room's (default-school without a room): shown, never chosen on its own
  const room = (rooms.data?.data ?? []).find((r) => r.id === values.roomId);
  const school =
    values.roomId === null
      ? DEFAULT_SCHOOL
      : ((room?.schoolId && schoolNames.get(room.schoolId)) ?? (host?.roomId === values.roomId ? host.school : '…'));

  const save = useMutation({
    mutationFn: async () => {
      const next = body(values);
      if (!host) return api.post<Host>('/hosts', next);
      const before = body(initial(host));
      const changed = Object.fromEntries(
        Object.entries(next).filter(([k, v]) => before[k as keyof typeof before] !== v),
      );
      return api.patch<Host>(`/hosts/${host.id}`, changed);
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.hosts });
      onClose();
    },
    onError: (err) => {
      if (!(err instanceof ApiError)) return setGeneral(err.message);
      const byField: Partial<Record<Field, string>> = {};
      for (const d of err.fieldErrors) {
        const field = (FIELDS as readonly string[]).includes(d.field) ? (d.field as Field) : null;
        const msg = err.status === 409 ? t('hosts.conflict', { field: d.field, message: d.message }) : d.message;
        if (field) byField[field] = byField[field] ? `${byField[field]}; ${msg}` : msg;
      }
      setErrors(byField);
      setGeneral(Object.keys(byField).length === 0 || err.status === 409 ? err.message : null);
    },
  });

  const set = (field: Field) => (value: string | null) => {
    setValues((v) => ({ ...v, [field]: value ?? (field === 'roomId' || field === 'configId' ? null : '') }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setErrors({});
    setGeneral(null);
    save.mutate();
  };
  const options = (page: typeof rooms.data) => (page?.data ?? []).map((r) => ({ value: r.id, label: r.name }));

  return (
    <Modal
      opened
      onClose={onClose}
      title={host ? t('hosts.editTitle', { hostname: host.hostname }) : t('hosts.new')}
      size="lg"
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <FormError message={general} />
          <TextInput
            label={t('hosts.hostname')}
            value={values.hostname}
            onChange={(e) => set('hostname')(e.currentTarget.value)}
            error={errors.hostname}
            required
            data-autofocus
          />
          <TextInput
            label={t('hosts.mac')}
            value={values.macAddress}
            onChange={(e) => set('macAddress')(e.currentTarget.value)}
            error={errors.macAddress}
            required
          />
          <TextInput
            label={t('hosts.ip')}
            description={t('hosts.ipHint')}
            value={values.ipAddress}
            onChange={(e) => set('ipAddress')(e.currentTarget.value)}
            error={errors.ipAddress}
          />
          <Group grow align="flex-start">
            <Select
              label={t('hosts.room')}
              description={t('hosts.schoolOfRoom', { school })}
              data={roomOptions(rooms.data?.data ?? [], schoolNames)}
              value={values.roomId}
              onChange={set('roomId')}
              error={errors.roomId}
              searchable
              clearable
              nothingFoundMessage="–"
            />
            <Select
              label={t('hosts.config')}
              data={options(configs.data)}
              value={values.configId}
              onChange={set('configId')}
              error={errors.configId}
              searchable
              clearable
              nothingFoundMessage="–"
            />
          </Group>
          <Group grow align="flex-start">
            <Select
              label={t('hosts.role')}
              data={[...DEVICE_ROLES]}
              value={values.role}
              onChange={set('role')}
              error={errors.role}
              searchable
              allowDeselect={false}
            />
            <Select
              label={t('hosts.pxe')}
              data={[0, 1, 2, 3].map((n) => ({ value: String(n), label: t(`hosts.pxe${n}` as 'hosts.pxe0') }))}
              value={values.pxeFlag}
              onChange={set('pxeFlag')}
              error={errors.pxeFlag}
              allowDeselect={false}
            />
          </Group>
          <FormActions onCancel={onClose} saving={save.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}
