import { loadWorkerConfig } from '../config/worker-config';
import { WorkerLogger } from '../logging/worker-logger';
import { DcSnapshot } from './expectations';
import { LeftoverCleanup } from './leftover-cleanup';
import { SambaToolError } from './samba-tool';
import { VerifyTarget } from './verifier';

const config = loadWorkerConfig({ INTERNAL_API_KEY: 'k', DC_CLEANUP: 'true' });
const logger = { info: () => undefined, warn: () => undefined } as unknown as WorkerLogger;

const gone = (over: Partial<VerifyTarget> = {}): VerifyTarget => ({
  id: 'op1',
  action: 'delete',
  hostname: 'pc01',
  mac: '00:11:22:33:44:55',
  ip: '10.0.100.5',
  role: 'classroom-studentcomputer',
  ...over,
});

/** What the import left: the account, the A and the PTR of gsm-pc01 (school gsm: `S-` prefix). */
const leftovers: DcSnapshot = {
  accounts: new Set(['GSM-PC01$']),
  zones: new Map([
    ['linuxmuster.lan', new Map([['gsm-pc01', { a: new Set(['10.0.100.5']), ptr: new Set<string>() }]])],
    ['100.0.10.in-addr.arpa', new Map([['5', { a: new Set<string>(), ptr: new Set(['gsm-pc01.linuxmuster.lan']) }]])],
  ]),
  dhcp: null,
};

describe('LeftoverCleanup', () => {
  it('deletes the account, then the A, then the PTR of a delete job with problems; returns what it deleted', async () => {
    const calls: string[] = [];
    const cleanup = new LeftoverCleanup(config, logger, {
      run: (args) => {
        calls.push(args.join(' '));
        if (args[1] === 'delete' && args[0] === 'dns' && args[5] === 'PTR') {
          return Promise.reject(new SambaToolError('ERROR: Record does not exist'));
        }
        return Promise.resolve('');
      },
    });
    const cleaned = await cleanup.run(
      'gsm',
      [gone()],
      'linuxmuster.lan',
      leftovers,
      new Map([['op1', ['still there']]]),
    );
    expect(calls).toEqual([
      'computer delete gsm-pc01',
      'dns delete 127.0.0.1 linuxmuster.lan gsm-pc01 A 10.0.100.5',
      'dns delete 127.0.0.1 100.0.10.in-addr.arpa 5 PTR gsm-pc01.linuxmuster.lan',
    ]);
    // the PTR was already gone (a real computer delete removes it): not counted as deleted
    expect(cleaned).toEqual(['computer gsm-pc01', 'A gsm-pc01.linuxmuster.lan 10.0.100.5']);
  });

  it('touches nothing for verified deletes and for creates', async () => {
    const calls: string[][] = [];
    const cleanup = new LeftoverCleanup(config, logger, { run: (args) => (calls.push(args), Promise.resolve('')) });
    const problems = new Map([
      ['op1', []],
      ['op2', ['A record missing']],
    ]);
    const targets = [gone(), gone({ id: 'op2', action: 'create' })];
    expect(await cleanup.run('gsm', targets, 'linuxmuster.lan', leftovers, problems)).toEqual([]);
    expect(calls).toEqual([]);
  });
});
