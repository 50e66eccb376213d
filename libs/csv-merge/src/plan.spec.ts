import { DELTA_HEADER, formatDeviceLine } from './device-line';
import { validateDevicesCsv } from './file-check';
import { mergeDelta, planBatch } from './plan';
import { create, del, delta, rec, update } from './plan-fixtures';
import type { BatchJob, BatchPlan } from './types';

const lines = (text: string) => text.split('\n');

// pc05 and pc06 are ours (in the delta); everything else is manual.
const PC05 = rec('pc05', '00:00:00:00:00:05', '10.0.0.5');
const PC06 = rec('pc06', '00:00:00:00:00:06', '10.0.0.6');
const MASTER = [
  '# devices.csv of default-school',
  '#room;host;group;mac;ip;officekey;windowskey;dhcpopts;role;lmn;pxe;;;;comment',
  'r100;manual01;win10;aa-bb-cc-dd-ee-01;10.0.0.101;OFF-KEY;;;;;1;;;;hand written',
  '',
  'r100;Manual02;win10;AA:BB:CC:DD:EE:02;10.0.0.102;;;;teacher;;1;;;;x\r',
  'r101;pc05;win11;00:00:00:00:00:05;10.0.0.5;OFFICE;WIN;opt=1;classroom-studentcomputer;res;1;a;b;c;comment 5;extra15;extra16\r',
  '  \t',
  'r101;pc06;win11;00:00:00:00:00:06;10.0.0.6;;;;classroom-studentcomputer;;1;;;;',
  'r100;manual03;nopxe;AA:BB:CC:DD:EE:03;DHCP;;;;printer;;0;;;;',
  '',
].join('\n');
const MASTER_FIXED = MASTER.replace(';teacher;', ';classroom-teachercomputer;');
const DELTA = delta(PC05, PC06);

function plan(jobs: BatchJob[], masterText = MASTER_FIXED, deltaText = DELTA): BatchPlan {
  return planBatch({ masterText, deltaText, jobs, masterName: 'devices.csv' });
}

function expectIdempotent(p: BatchPlan, jobs: BatchJob[]) {
  const again = planBatch({ masterText: p.master, deltaText: p.delta, jobs, masterName: 'devices.csv' });
  expect(again.master).toBe(p.master);
  expect(again.delta).toBe(p.delta);
}

describe('planBatch: DOMAIN.md §11 scenarios on the file', () => {
  it('the fixture master is valid apart from warnings', () => {
    expect(validateDevicesCsv(MASTER_FIXED).filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('changes nothing without jobs when the delta matches the master (identical string)', () => {
    const p = plan([]);
    expect(p.master).toBe(MASTER_FIXED);
    expect(p.delta).toBe(DELTA);
    expect(p.stats).toEqual({
      patched: 0,
      appended: 0,
      removed: 0,
      adopted: 0,
      masterLinesBefore: 9,
      masterLinesAfter: 9,
      deletesRequested: 0,
    });
  });

  it('1: create appends one line; every manual line stays byte-identical', () => {
    const r = rec('pc07', '00:00:00:00:00:07', '10.0.0.7');
    const p = plan([create('op1', r)]);
    expect(p.outcomes).toEqual([{ id: 'op1', status: 'applied', line: formatDeviceLine(r) }]);
    expect(p.master).toBe(MASTER_FIXED + formatDeviceLine(r) + '\n');
    expect(lines(p.delta)).toEqual([
      DELTA_HEADER,
      formatDeviceLine(PC05),
      formatDeviceLine(PC06),
      formatDeviceLine(r),
      '',
    ]);
    expect(p.stats).toMatchObject({ appended: 1, patched: 0, removed: 0, masterLinesAfter: 10 });
    expect(p.manualErrors).toEqual([]);
    expectIdempotent(p, [create('op1', r)]);
  });

  it('3: update IP patches the line in place (unmanaged columns, extra columns and CRLF kept)', () => {
    const jobs = [update('op1', { ...PC05, ip: '10.0.0.55' })];
    const p = plan(jobs);
    const out = lines(p.master);
    expect(out[5]).toBe(
      'r101;pc05;win11;00:00:00:00:00:05;10.0.0.55;OFFICE;WIN;opt=1;classroom-studentcomputer;res;1;a;b;c;comment 5;extra15;extra16\r',
    );
    expect(out.filter((_, i) => i !== 5)).toEqual(lines(MASTER_FIXED).filter((_, i) => i !== 5));
    expect(p.delta).toContain(';10.0.0.55;');
    expect(p.stats).toMatchObject({ patched: 1, appended: 0, removed: 0 });
    expectIdempotent(p, jobs);
  });

  it('4: rename patches the old line in place, keeping position and unmanaged columns', () => {
    const jobs = [update('op1', { ...PC05, hostname: 'pc05new' }, { oldHostname: 'PC05' })];
    const p = plan(jobs);
    const out = lines(p.master);
    expect(out[5]).toBe(
      'r101;pc05new;win11;00:00:00:00:00:05;10.0.0.5;OFFICE;WIN;opt=1;classroom-studentcomputer;res;1;a;b;c;comment 5;extra15;extra16\r',
    );
    expect(out).toHaveLength(lines(MASTER_FIXED).length);
    expect(p.delta).not.toContain(';pc05;');
    expect(p.delta).toContain(';pc05new;');
    expectIdempotent(p, jobs);
  });

  it('5: delete removes our line; the delete of a manual line with another MAC fails NOT_OWNED', () => {
    const jobs = [del('op1', PC06), del('op2', rec('manual01', '00:00:00:00:99:99', null))];
    const p = plan(jobs);
    expect(p.outcomes[0]).toMatchObject({ status: 'applied', line: lines(MASTER_FIXED)[7] });
    expect(p.outcomes[1]).toMatchObject({ status: 'failed', code: 'NOT_OWNED' });
    const failure = p.outcomes[1] as { message: string };
    expect(failure.message).toContain('manual01');
    expect(failure.message).toContain('devices.csv line 3');
    expect(failure.message).toContain('00:00:00:00:99:99');
    expect(p.master).toBe(
      lines(MASTER_FIXED)
        .filter((_, i) => i !== 7)
        .join('\n'),
    );
    expect(p.delta).toBe(delta(PC05));
    expect(p.stats).toMatchObject({ removed: 1, deletesRequested: 2, masterLinesAfter: 8 });
    expectIdempotent(p, jobs);
  });

  it('5: delete removes a manual line whose MAC is the snapshot MAC (any form); unknown host is a no-op', () => {
    const jobs = [
      del('op1', rec('MANUAL01', 'AA:BB:CC:DD:EE:01', '10.0.0.101')),
      del('op2', rec('ghost', '00:00:00:00:00:99', null)),
    ];
    const p = plan(jobs);
    expect(p.outcomes.map((o) => o.status)).toEqual(['applied', 'applied']);
    expect(p.master).not.toContain('manual01');
    expect(p.stats.removed).toBe(1);
    expectIdempotent(p, jobs);
  });

  it('6: delete + re-create of the same name in one batch leaves the new host', () => {
    const fresh = rec('pc06', '00:00:00:00:01:06', '10.0.0.66', { room: 'r202' });
    const jobs = [del('op1', PC06), create('op2', fresh)];
    const p = plan(jobs);
    expect(p.outcomes.map((o) => o.status)).toEqual(['applied', 'applied']);
    const out = lines(p.master);
    expect(out[7]).toBe(formatDeviceLine(fresh));
    expect(out.filter((l) => /;pc06;/i.test(l))).toHaveLength(1);
    expect(p.delta).toBe(delta(PC05, fresh));
    expect(p.stats).toMatchObject({ removed: 0, patched: 1, appended: 0, masterLinesAfter: 9 });
    expectIdempotent(p, jobs);
  });

  it('7: duplicate MAC against a manual aa-bb-… line fails that job only; nothing of it is written', () => {
    const bad = rec('pc08', 'AA:BB:CC:DD:EE:01', '10.0.0.8');
    const good = rec('pc09', '00:00:00:00:00:09', '10.0.0.9');
    const jobs = [create('bad', bad), create('good', good), update('upd', { ...PC06, ip: '10.0.0.60' })];
    const p = plan(jobs);
    expect(p.outcomes[0]).toEqual({
      id: 'bad',
      status: 'failed',
      code: 'CSV_CONFLICT',
      message: 'MAC AA:BB:CC:DD:EE:01 already used by host manual01 (devices.csv line 3)',
    });
    expect(p.outcomes.slice(1).map((o) => o.status)).toEqual(['applied', 'applied']);
    expect(p.master).not.toContain('pc08');
    expect(p.delta).not.toContain('pc08');
    expect(p.master).toContain(formatDeviceLine(good));
    expect(p.master).toContain(';10.0.0.60;');
    expect(p.manualErrors).toEqual([]);
  });

  it('10: two updates of one host in a batch — the latest wins', () => {
    const jobs = [update('u1', { ...PC05, ip: '10.0.0.51' }), update('u2', { ...PC05, ip: '10.0.0.52', room: 'r9' })];
    const p = plan(jobs);
    expect(p.outcomes.map((o) => o.status)).toEqual(['applied', 'applied']);
    expect(p.master).toContain('r9;pc05;win11;00:00:00:00:00:05;10.0.0.52;OFFICE');
    expect(p.master).not.toContain('10.0.0.51');
    expect(p.delta).toContain('r9;pc05;win11;00:00:00:00:00:05;10.0.0.52;');
    expect(p.outcomes[0]).toMatchObject({ line: formatDeviceLine({ ...PC05, ip: '10.0.0.51' }) });
  });
});

describe('planBatch: adoption (DOMAIN.md §9)', () => {
  it('adopts a manual line with the same name and MAC: patched in place, owned from then on', () => {
    const r = rec('MANUAL01', 'aa:bb:cc:dd:ee:01', '10.0.0.101', { room: 'r100', config: 'win10' });
    const jobs = [create('op1', r)];
    const p = plan(jobs);
    expect(p.outcomes[0]).toMatchObject({ status: 'applied', adopted: true });
    const out = lines(p.master);
    expect(out[2]).toBe(
      'r100;MANUAL01;win10;AA:BB:CC:DD:EE:01;10.0.0.101;OFF-KEY;;;classroom-studentcomputer;;1;;;;hand written',
    );
    expect(out).toHaveLength(lines(MASTER_FIXED).length);
    expect(p.stats).toMatchObject({ adopted: 1, patched: 1, appended: 0 });
    expect(p.delta).toContain(';MANUAL01;');
    // owned now: a later delete removes it although the snapshot MAC differs
    const later = planBatch({
      masterText: p.master,
      deltaText: p.delta,
      jobs: [del('op2', { ...r, mac: '00:00:00:00:00:00' })],
    });
    expect(later.outcomes[0].status).toBe('applied');
    expect(later.master).not.toContain('MANUAL01');
    expectIdempotent(p, jobs);
  });

  it('same name, other MAC: CSV_CONFLICT naming the line, unless adopt is asked', () => {
    const r = rec('manual01', '00:00:00:00:01:01', '10.0.0.101');
    const p = plan([create('op1', r)]);
    expect(p.outcomes[0]).toMatchObject({ status: 'failed', code: 'CSV_CONFLICT' });
    const msg = (p.outcomes[0] as { message: string }).message;
    expect(msg).toContain('devices.csv line 3');
    expect(msg).toContain('aa-bb-cc-dd-ee-01');
    expect(p.master).toBe(MASTER_FIXED);
    expect(p.delta).toBe(DELTA);

    const adopted = plan([create('op1', r, { adopt: true })]);
    expect(adopted.outcomes[0]).toMatchObject({ status: 'applied', adopted: true });
    expect(lines(adopted.master)[2]).toBe(
      'r101;manual01;win11;00:00:00:00:01:01;10.0.0.101;OFF-KEY;;;classroom-studentcomputer;;1;;;;hand written',
    );
  });

  it('same MAC under another name: CSV_CONFLICT, unless adopt is asked (then that line is taken over)', () => {
    const r = rec('pc20', 'AA-BB-CC-DD-EE-03', null);
    const p = plan([create('op1', r)]);
    expect(p.outcomes[0]).toMatchObject({
      status: 'failed',
      code: 'CSV_CONFLICT',
      message: 'MAC AA:BB:CC:DD:EE:03 already used by host manual03 (devices.csv line 9)',
    });
    const adopted = plan([create('op1', r, { adopt: true })]);
    expect(adopted.outcomes[0]).toMatchObject({ status: 'applied', adopted: true });
    expect(lines(adopted.master)[8]).toBe('r101;pc20;win11;AA:BB:CC:DD:EE:03;DHCP;;;;classroom-studentcomputer;;1;;;;');
    expect(adopted.master).not.toContain('manual03');
    expectIdempotent(adopted, [create('op1', r, { adopt: true })]);
  });
});

describe('planBatch: pre-flight', () => {
  it('fails a job whose own line breaks a rule (CSV_INVALID_LINE) and writes nothing of it', () => {
    const p = plan([create('op1', rec('pc30', '00:00:00:00:00:30', '10.0.0.30', { role: 'computer' }))]);
    expect(p.outcomes[0]).toMatchObject({ status: 'failed', code: 'CSV_INVALID_LINE' });
    expect((p.outcomes[0] as { message: string }).message).toContain('role "computer"');
    expect(p.master).toBe(MASTER_FIXED);
    expect(p.delta).toBe(DELTA);
  });

  it("refuses values with ';' or line breaks before they can shift columns or split the line", () => {
    const p = plan([
      create('a', rec('pc60', '00:00:00:00:00:60', null, { room: 'r1;x' })),
      create('b', rec('pc61', '00:00:00:00:00:61', null, { room: 'r1\nr2;pc99;g;00:00:00:00:00:99;DHCP;;;;;;1' })),
      create('c', rec('pc62', '00:00:00:00:00:62', null)),
    ]);
    expect(p.outcomes.map((o) => (o.status === 'failed' ? o.code : o.status))).toEqual([
      'CSV_INVALID_LINE',
      'CSV_INVALID_LINE',
      'applied',
    ]);
    expect(p.master).not.toContain('pc99');
    expect(p.master).not.toContain('pc60');
  });

  it('two jobs of the batch with the same IP: the later one fails, naming the earlier host', () => {
    const a = rec('pc31', '00:00:00:00:00:31', '10.0.0.31');
    const b = rec('pc32', '00:00:00:00:00:32', '10.0.0.31');
    const p = plan([create('a', a), create('b', b)]);
    expect(p.outcomes[0].status).toBe('applied');
    expect(p.outcomes[1]).toEqual({
      id: 'b',
      status: 'failed',
      code: 'CSV_CONFLICT',
      message: 'IP 10.0.0.31 already used by host pc31 (new line of this batch)',
    });
  });

  it('the later job fails even when its line comes first in the file (patched vs appended)', () => {
    // job 'a' appends pc33 with MAC X; job 'b' patches pc05 (line 6) to MAC X
    const p = plan([
      create('a', rec('pc33', '00:00:00:00:00:33', '10.0.0.33')),
      update('b', { ...PC05, mac: '00:00:00:00:00:33' }),
    ]);
    expect(p.outcomes.map((o) => o.status)).toEqual(['applied', 'failed']);
    expect(p.master).toContain(';pc05;win11;00:00:00:00:00:05;');
  });

  it('a job is not failed for a conflict with a job that fails anyway', () => {
    const p = plan([
      create('a', rec('pc34', '00:00:00:00:00:34', '10.0.0.34', { pxeFlag: Number.NaN })),
      create('b', rec('pc35', '00:00:00:00:00:34', '10.0.0.35')),
    ]);
    expect(p.outcomes.map((o) => o.status)).toEqual(['failed', 'applied']);
    expect(p.outcomes[0]).toMatchObject({ code: 'CSV_INVALID_LINE' });
  });

  it('an invalid manual line goes to manualErrors (file and line), jobs are still planned', () => {
    const broken = MASTER_FIXED + 'r100;bad_name;win10;AA:BB:CC:DD:EE:77;10.0.0.77;;;;;;1;;;;\n';
    const p = plan([create('op1', rec('pc40', '00:00:00:00:00:40', '10.0.0.40'))], broken);
    expect(p.manualErrors).toHaveLength(1);
    expect(p.manualErrors[0]).toMatchObject({ file: 'devices.csv', line: 10, code: 'INVALID_HOSTNAME' });
    expect(p.outcomes[0].status).toBe('applied');
  });

  it('reports warnings of the merged file', () => {
    const p = plan([]);
    expect(p.warnings.map((w) => [w.line, w.code])).toEqual([[3, 'MAC_DASH_FORM']]);
  });
});

describe('planBatch: file details', () => {
  it('pads appended lines to the most common width of the master', () => {
    const master16 =
      Array.from({ length: 3 }, (_, i) => `r;m${i};g;00:00:00:00:10:0${i};10.1.0.${i};;;;;;1;;;;;`).join('\n') + '\n';
    const p = planBatch({
      masterText: master16,
      deltaText: '',
      jobs: [create('a', rec('pc50', '00:00:00:00:00:50', null))],
    });
    expect(lines(p.master)[3].split(';')).toHaveLength(16);
    expect(lines(p.delta)[1].split(';')).toHaveLength(15);
  });

  it('leaves a mass of comments alone and appends after a master without final newline', () => {
    const comments = Array.from({ length: 2000 }, (_, i) => `# comment ${i};with;semicolons`).join('\n');
    const r = rec('pc51', '00:00:00:00:00:51', null);
    const p = planBatch({ masterText: comments, deltaText: '', jobs: [create('a', r)] });
    expect(p.master).toBe(comments + '\n' + formatDeviceLine(r) + '\n');
  });

  it('patches a short CRLF line without blanking role or pxe', () => {
    const master = 'r;pc05;win11;00:00:00:00:00:05;10.0.0.5\r\n';
    const p = planBatch({ masterText: master, deltaText: DELTA, jobs: [] });
    expect(p.master.split('\n')[0]).toBe(
      'r101;pc05;win11;00:00:00:00:00:05;10.0.0.5;;;;classroom-studentcomputer;;1\r',
    );
    expect(p.master).toContain(formatDeviceLine(PC06));
  });

  it('a re-applied rename (crash recovery) keeps the renamed line and appends nothing', () => {
    const jobs = [update('op1', { ...PC05, hostname: 'pc05b' }, { oldHostname: 'pc05' })];
    const first = plan(jobs);
    const second = planBatch({ masterText: first.master, deltaText: first.delta, jobs });
    expect(second.master).toBe(first.master);
    expect(second.stats).toMatchObject({ patched: 0, appended: 0 });
  });

  it('rename + a new host taking the old name in one batch: renamed line in place, new one appended', () => {
    const renamed = { ...PC05, hostname: 'pc05new' };
    const newcomer = rec('pc05', '00:00:00:00:05:05', '10.0.0.205');
    const jobs = [update('r', renamed, { oldHostname: 'pc05' }), create('c', newcomer)];
    const p = plan(jobs);
    expect(p.outcomes.map((o) => o.status)).toEqual(['applied', 'applied']);
    const out = lines(p.master);
    expect(out[5]).toMatch(/^r101;pc05new;win11;00:00:00:00:00:05;10\.0\.0\.5;OFFICE;/);
    expect(out[9]).toBe(formatDeviceLine(newcomer));
    expectIdempotent(p, jobs);
  });

  it('two hosts trading names in one batch: both lines patched in place, re-application changes nothing', () => {
    const a = { ...PC05, hostname: 'tmp05' };
    const b = { ...PC06, hostname: 'pc05' };
    const jobs = [update('a', a, { oldHostname: 'pc05' }), update('b', b, { oldHostname: 'pc06' })];
    const p = plan(jobs);
    expect(p.outcomes.map((o) => o.status)).toEqual(['applied', 'applied']);
    const out = lines(p.master);
    expect(out[5]).toMatch(/^r101;tmp05;win11;00:00:00:00:00:05;/);
    expect(out[7]).toBe(formatDeviceLine(b));
    expect(p.delta).toBe(delta(b, a));
    const again = planBatch({ masterText: p.master, deltaText: p.delta, jobs, masterName: 'devices.csv' });
    expect(again.outcomes.map((o) => o.status)).toEqual(['applied', 'applied']);
    expect(again.master).toBe(p.master);
    expect(again.delta).toBe(p.delta);
  });

  it('rename then delete in one batch removes the old line', () => {
    const renamed = { ...PC05, hostname: 'pc05c' };
    const p = plan([update('r', renamed, { oldHostname: 'pc05' }), del('d', renamed)]);
    expect(p.outcomes.map((o) => o.status)).toEqual(['applied', 'applied']);
    expect(p.master).not.toMatch(/;pc05c?;/);
    expect(p.delta).toBe(delta(PC06));
  });

  it('mergeDelta merges a whole delta file (the CLI)', () => {
    const p = mergeDelta('# only comments\n', delta(PC05, PC06));
    expect(p.master).toBe('# only comments\n' + formatDeviceLine(PC05) + '\n' + formatDeviceLine(PC06) + '\n');
    expect(p.outcomes).toEqual([]);
  });
});
