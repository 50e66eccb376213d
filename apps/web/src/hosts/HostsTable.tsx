import { Checkbox, Group, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import { memo, useMemo } from 'react';
import { useTranslation } from 'react-i18next';

import type { Host } from '../api/types';
import { RowActions } from '../components/RowActions';
import type { HostQuery } from './queries';
import { StatusBadge } from './StatusBadge';

type SortField = HostQuery['sort'];

interface Props {
  rows: Host[];
  sort: SortField;
  order: HostQuery['order'];
  onSort(field: SortField): void;
  selected: Set<string>;
  onSelect(ids: string[], on: boolean): void;
  canWrite: boolean;
  onEdit(host: Host): void;
  onDelete(host: Host): void;
}

function SortHeader({
  field,
  label,
  sort,
  order,
  onSort,
}: { field: SortField; label: string } & Pick<Props, 'sort' | 'order' | 'onSort'>) {
  const { t } = useTranslation();
  const active = sort === field;
  return (
    <Table.Th aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <UnstyledButton onClick={() => onSort(field)} aria-label={t('hosts.sortBy', { column: label })} fw={600} fz="sm">
        {label} {active ? (order === 'asc' ? '▲' : '▼') : ''}
      </UnstyledButton>
    </Table.Th>
  );
}

const Row = memo(function Row({
  host,
  checked,
  canWrite,
  onSelect,
  onEdit,
  onDelete,
  dateFmt,
}: {
  host: Host;
  checked: boolean;
  canWrite: boolean;
  onSelect: Props['onSelect'];
  onEdit: Props['onEdit'];
  onDelete: Props['onDelete'];
  dateFmt: Intl.DateTimeFormat;
}) {
  const { t } = useTranslation();
  return (
    <Table.Tr data-hostname={host.hostname}>
      {canWrite && (
        <Table.Td>
          <Checkbox
            aria-label={t('hosts.select', { hostname: host.hostname })}
            checked={checked}
            onChange={(e) => onSelect([host.id], e.currentTarget.checked)}
          />
        </Table.Td>
      )}
      <Table.Td>
        <Stack gap={2}>
          <Group gap="xs" wrap="nowrap">
            <Text fw={600} size="sm">
              {host.hostname}
            </Text>
            <StatusBadge host={host} />
          </Group>
          <Text size="xs" c="dimmed" ff="monospace">
            {host.macAddress}
          </Text>
          {host.provisionStatus === 'failed' && host.provisionError && (
            <Text size="xs" c="red" lineClamp={2} maw={360} data-testid="row-error">
              {host.provisionError}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td ff="monospace">{host.ipAddress ?? t('common.dhcp')}</Table.Td>
      <Table.Td>{host.room ?? t('common.none')}</Table.Td>
      <Table.Td data-testid="school" style={{ whiteSpace: 'nowrap' }}>
        {host.school}
      </Table.Td>
      <Table.Td>{host.config ?? t('common.none')}</Table.Td>
      <Table.Td>
        <Text size="xs">{host.role}</Text>
      </Table.Td>
      <Table.Td>{host.pxeFlag}</Table.Td>
      <Table.Td>
        <Text size="xs">{dateFmt.format(new Date(host.updatedAt))}</Text>
      </Table.Td>
      {canWrite && <RowActions name={host.hostname} onEdit={() => onEdit(host)} onDelete={() => onDelete(host)} />}
    </Table.Tr>
  );
});

/** One page of hosts; each row re-renders only when its host object changed (the cache patches rows in place). */
export function HostsTable(props: Props) {
  const { t, i18n } = useTranslation();
  const { rows, selected, canWrite } = props;
  const lang = i18n.resolvedLanguage;
  const dateFmt = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short' }), [lang]);
  const allChecked = rows.length > 0 && rows.every((h) => selected.has(h.id));
  const sortProps = { sort: props.sort, order: props.order, onSort: props.onSort };
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table striped highlightOnHover verticalSpacing={4} aria-label={t('hosts.title')}>
        <Table.Thead>
          <Table.Tr>
            {canWrite && (
              <Table.Th w={36}>
                <Checkbox
                  aria-label={t('hosts.selectAll')}
                  checked={allChecked}
                  indeterminate={!allChecked && rows.some((h) => selected.has(h.id))}
                  onChange={(e) =>
                    props.onSelect(
                      rows.map((h) => h.id),
                      e.currentTarget.checked,
                    )
                  }
                />
              </Table.Th>
            )}
            <SortHeader field="hostname" label={t('hosts.hostname')} {...sortProps} />
            <SortHeader field="ipAddress" label={t('hosts.ip')} {...sortProps} />
            <Table.Th>{t('hosts.room')}</Table.Th>
            <Table.Th>{t('hosts.school')}</Table.Th>
            <Table.Th>{t('hosts.config')}</Table.Th>
            <Table.Th>{t('hosts.role')}</Table.Th>
            <Table.Th>{t('hosts.pxe')}</Table.Th>
            <SortHeader field="updatedAt" label={t('common.updated')} {...sortProps} />
            {canWrite && <Table.Th>{t('common.actions')}</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((h) => (
            <Row
              key={h.id}
              host={h}
              checked={selected.has(h.id)}
              canWrite={canWrite}
              onSelect={props.onSelect}
              onEdit={props.onEdit}
              onDelete={props.onDelete}
              dateFmt={dateFmt}
            />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
