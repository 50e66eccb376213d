import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { backupPath, writeFileAtomic } from './atomic-file';
import { MASTER_BACKUPS, MasterFile, MasterMissingError } from './master-file';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic (DOMAIN.md §9 step 6)', () => {
  it('keeps the mode of the file it replaces and leaves no temp file', async () => {
    const file = path.join(dir, 'devices.csv');
    fs.writeFileSync(file, 'old\n');
    fs.chmodSync(file, 0o640);
    await writeFileAtomic(file, 'new\n', { backups: 5 });
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir).sort()).toEqual(['devices.csv', 'devices.csv.bak.1']);
  });

  it('rotates numbered backups, newest first, keeping at most N', async () => {
    const file = path.join(dir, 'devices.csv');
    fs.writeFileSync(file, 'v0\n');
    for (let v = 1; v <= 7; v++) await writeFileAtomic(file, `v${v}\n`, { backups: MASTER_BACKUPS });
    expect(fs.readFileSync(file, 'utf8')).toBe('v7\n');
    const kept = Array.from({ length: MASTER_BACKUPS }, (_, i) => fs.readFileSync(backupPath(file, i + 1), 'utf8'));
    expect(kept).toEqual(['v6\n', 'v5\n', 'v4\n', 'v3\n', 'v2\n']);
    expect(fs.existsSync(backupPath(file, MASTER_BACKUPS + 1))).toBe(false);
  });

  it('a backup is a separate file: editing the master afterwards does not change it', async () => {
    const file = path.join(dir, 'devices.csv');
    fs.writeFileSync(file, 'a\n');
    await writeFileAtomic(file, 'b\n', { backups: 2 });
    fs.appendFileSync(file, 'edited by hand\n');
    expect(fs.readFileSync(backupPath(file, 1), 'utf8')).toBe('a\n');
  });

  it('writes latin1 text back as the exact bytes it was read from; refuses text that is not bytes', async () => {
    const file = path.join(dir, 'devices.csv');
    const bytes = Buffer.concat([Buffer.from('# Ger\xe4te\n', 'latin1'), Buffer.from('# Schüler ✓\n', 'utf8')]);
    fs.writeFileSync(file, bytes);
    const text = await new MasterFile().read(file);
    await writeFileAtomic(file, `${text}x\n`, { backups: 1 });
    expect(fs.readFileSync(file).equals(Buffer.concat([bytes, Buffer.from('x\n')]))).toBe(true);
    await expect(writeFileAtomic(file, 'café ✓\n', { backups: 1 })).rejects.toThrow(
      /U\+2713 at offset 5 is not latin1/,
    );
    expect(fs.readFileSync(file).equals(Buffer.concat([bytes, Buffer.from('x\n')]))).toBe(true);
  });

  it('creates a file that did not exist (the delta) without a backup', async () => {
    const file = path.join(dir, 'linbo-docker.devices.csv');
    await writeFileAtomic(file, '# managed\n', { backups: 1 });
    expect(fs.readdirSync(dir)).toEqual(['linbo-docker.devices.csv']);
  });
});

describe('MasterFile', () => {
  it('refuses a missing master with MASTER_MISSING instead of creating one', async () => {
    const err = await new MasterFile().read(path.join(dir, 'devices.csv')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MasterMissingError);
    expect((err as MasterMissingError).code).toBe('MASTER_MISSING');
    expect((err as Error).message).toMatch(/devices\.csv does not exist; refusing to write anything/);
  });

  it('refuses an unreadable master (a folder in its place)', async () => {
    const file = path.join(dir, 'devices.csv');
    fs.mkdirSync(file);
    await expect(new MasterFile().read(file)).rejects.toThrow(/cannot be read \(EISDIR\)/);
  });
});
