import { Button, Group, Title } from '@mantine/core';

/**
 * A list page's title, with its "new …" button on the right. The button is there only when
 * `onNew` is given: callers pass it for the roles that may create (non-admins see none).
 */
export function PageHeader({ title, newLabel, onNew }: { title: string; newLabel?: string; onNew?: () => void }) {
  return (
    <Group justify="space-between">
      <Title order={2}>{title}</Title>
      {onNew && <Button onClick={onNew}>{newLabel}</Button>}
    </Group>
  );
}
