import { droppedLines } from './provision-processor';
import { compareIds } from '../batch/batch-coordinator';
import { describeImport, failureLinesOf, ImportRun } from '../import/import-runner';

describe('mass-deletion guard (DOMAIN.md §9 step 6)', () => {
  const master = '# c\nr;a;g;m;i\nr;b;g;m;i\n\nr;c;g;m;i\n';
  it('counts host lines that disappear', () => {
    expect(droppedLines(master, master, new Map())).toBe(0);
    expect(droppedLines(master, '# c\nr;a;g;m;i\n', new Map())).toBe(2);
    expect(droppedLines(master, '', new Map())).toBe(3);
  });
  it('counts a rename of the batch as kept and ignores comments/blank changes', () => {
    expect(droppedLines(master, 'r;a;g;m;i\nr;b2;g;m;i\nr;c;g;m;i\n', new Map([['b', 'b2']]))).toBe(0);
    expect(droppedLines(master, 'r;a;g;m;i\nr;b2;g;m;i\nr;c;g;m;i\n', new Map())).toBe(1);
  });
  it('a duplicate name collapsing to one line counts as a drop', () => {
    expect(droppedLines('r;a;g\nr;a;g\n', 'r;a;g\n', new Map())).toBe(1);
  });
});

describe('stream order', () => {
  it('compares entry ids numerically, not as strings', () => {
    expect(compareIds('999-0', '1000-0')).toBe(-1);
    expect(compareIds('1000-10', '1000-9')).toBe(1);
    expect(compareIds('5-5', '5-5')).toBe(0);
  });
});

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
