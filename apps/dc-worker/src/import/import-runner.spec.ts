import { describeImport, failureLinesOf, ImportRun } from './import-runner';

describe('import failure hints (DOMAIN.md §3 patterns)', () => {
  it('finds every documented pattern', () => {
    const out = [
      'sophomorix-device finished  OK!',
      '  ERROR: >< is invalid Option in pxe field',
      'sophomorix-device finished  errors detected!',
      'sophomorix-device --dry-run failed with return code 88!',
      'Traceback (most recent call last):',
      "ValueError: invalid literal for int() with base 10: ''",
      'IndexError: list index out of range',
      'Died at /usr/sbin/sophomorix-device line 1234.',
    ].join('\n');
    expect(failureLinesOf(out)).toHaveLength(7);
    expect(failureLinesOf('sophomorix-device finished  OK!\n* Processing dhcp stuff')).toEqual([]);
  });
  it('summarises exit code and the first ERROR lines', () => {
    const run = { exitCode: 1, timedOut: false, durationMs: 10, failureLines: ['  ERROR: a', 'ERROR: b'] } as ImportRun;
    expect(describeImport(run)).toBe('import exited 1: "ERROR: a"; "ERROR: b"');
  });
});
