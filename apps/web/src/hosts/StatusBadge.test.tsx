import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { ProvisionStatus } from '../api/types';
import { renderUi } from '../test/render';
import { StatusBadge } from './StatusBadge';

const badgeFor = (provisionStatus: ProvisionStatus | null) =>
  renderUi(
    <StatusBadge
      host={{
        hostname: 'r100-pc01',
        provisionStatus,
        provisionOpId: provisionStatus ? 'op-1' : null,
        provisionError: provisionStatus === 'failed' ? 'VERIFY_FAILED: A record missing' : null,
      }}
    />,
  );

describe('StatusBadge', () => {
  it('shows nothing for a host that was never provisioned', () => {
    const { container } = badgeFor(null);
    expect(container.querySelector('[data-testid="status-badge"]')).toBeNull();
  });

  it.each([
    ['pending', 'Queued', 'yellow', false],
    ['running', 'Provisioning…', 'blue', true],
    ['synced', 'Synced', 'green', false],
    ['failed', 'Failed', 'red', false],
  ] as const)('%s → "%s" in %s (spinner: %s)', (status, text, color, spinner) => {
    badgeFor(status);
    const badge = screen.getByTestId('status-badge');
    expect(badge.getAttribute('data-status')).toBe(status);
    expect(badge.textContent).toContain(text);
    // Mantine writes the colour into the badge's CSS variables
    expect(badge.getAttribute('style') ?? '').toContain(`var(--mantine-color-${color}`);
    expect(badge.querySelector('.mantine-Loader-root') !== null).toBe(spinner);
    expect(screen.getByRole('button', { name: `r100-pc01: ${text}` })).toBeTruthy();
  });

  it('marks synced with a check and failed with a cross', () => {
    badgeFor('synced');
    expect(screen.getByTestId('status-badge').textContent).toBe('✓Synced');
  });
});
