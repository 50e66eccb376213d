import type { Operation } from '../generated/prisma/client';
import { operationRow } from './operation-row.fixture';
import { dcView } from './provisioning.service';

function op(partial: Partial<Operation> & { options?: object }): Operation {
  return operationRow({ ...partial, options: { hostname: 'pc1', dryRun: false, ...(partial.options ?? {}) } });
}

describe('dcView: what the DC knows of a host, from its latest operation (DOMAIN.md §8 superseding)', () => {
  it('no earlier operation: trust the caller’s old name', () => {
    expect(dcView(null, 'old')).toEqual({ onDc: true, name: 'old' });
    expect(dcView(null, undefined)).toEqual({ onDc: true, name: undefined });
  });

  it('applied (completed, not dry-run) or running: the DC has that op’s hostname', () => {
    expect(dcView(op({ status: 'completed', options: { hostname: 'pc-b', oldHostname: 'pc-a' } }), 'x')).toEqual({
      onDc: true,
      name: 'pc-b',
    });
    expect(dcView(op({ status: 'running', action: 'create', options: { hostname: 'pc-c' } }), 'x')).toEqual({
      onDc: true,
      name: 'pc-c',
    });
  });

  it('a create that never landed (queued, cancelled, failed, dry run) means the DC does not have it', () => {
    for (const status of ['pending', 'retrying', 'cancelled', 'failed'] as const) {
      expect(dcView(op({ status, action: 'create' }), 'x').onDc).toBe(false);
    }
    expect(dcView(op({ status: 'completed', action: 'create', options: { dryRun: true } }), 'x').onDc).toBe(false);
  });

  it('an update that never landed passes on the name the DC knows and an adopt request', () => {
    expect(
      dcView(op({ status: 'cancelled', options: { hostname: 'pc-b', oldHostname: 'pc-a', adopt: true } }), 'pc-b'),
    ).toEqual({
      onDc: true,
      name: 'pc-a',
      adopt: true,
    });
    expect(dcView(op({ status: 'failed', options: { hostname: 'pc-b' } }), 'pc-b')).toEqual({
      onDc: true,
      name: 'pc-b',
      adopt: undefined,
    });
  });
});
