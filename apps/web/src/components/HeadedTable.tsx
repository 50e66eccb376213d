import { Table, type TableProps } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A striped table with one header row of plain column titles; `false` leaves a column out (the
 * actions column for a role that may not write). The rows are the children.
 */
export function HeadedTable({
  columns,
  children,
  ...props
}: { columns: (string | false)[]; children: ReactNode; 'aria-label': string } & TableProps) {
  return (
    <Table striped {...props}>
      <Table.Thead>
        <Table.Tr>{columns.map((c, i) => c !== false && <Table.Th key={i}>{c}</Table.Th>)}</Table.Tr>
      </Table.Thead>
      <Table.Tbody>{children}</Table.Tbody>
    </Table>
  );
}
