import { payloadOf } from './outbox.relay';

describe('payloadOf: the slim stream payload', () => {
  const row = { id: '11111111-1111-4111-8111-111111111111', school: 's', attempt: 1, target_host: 'pc1' };
  it('asks for the next try and names the host only for a machine-account repair', () => {
    expect(payloadOf({ ...row, type: 'provision_host', action: 'update' })).toEqual({
      type: 'provision_host',
      operation_id: row.id,
      action: 'update',
      school: 's',
      attempt: 2,
    });
    expect(payloadOf({ ...row, type: 'macct_repair', action: 'repair' }).host).toBe('pc1');
  });
});
