import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import { Injectable } from '@nestjs/common';

import { DEFAULT_SCHOOL } from '@app/provisioning';

/** DOMAIN.md §2 location of a school's file inside the sophomorix folder. */
function layoutName(school: string): string {
  return school === DEFAULT_SCHOOL ? 'devices.csv' : `${school}.devices.csv`;
}

/** Text as people read it: the files are decoded as latin1 (bytes); show UTF-8 as written. */
export function readable(latin1Text: string): string {
  return Buffer.from(latin1Text, 'latin1').toString('utf8');
}

/**
 * The devices files of every OTHER school beside the master, read-only (DOMAIN.md §2: sophomorix-device
 * reads the files of all schools on every run, so one bad line anywhere blocks every school's
 * import). Only when the master sits in the DOMAIN.md §2 layout (`<root>/<school>/devices.csv` or
 * `<root>/<school>/<school>.devices.csv`): each sibling folder `S` contributes `S/S.devices.csv`
 * (`default-school/devices.csv`) — exactly the files sophomorix reads, so our own delta
 * `linbo-docker.devices.csv` and the backups are never taken for a school. Read as latin1 like
 * the master. A file that cannot be read is listed in `unreadable` (the caller logs it) and skipped.
 */
export async function otherSchoolFiles(
  masterPath: string,
  school: string,
): Promise<{ files: { file: string; text: string }[]; unreadable: string[] }> {
  const master = resolve(masterPath);
  const schoolDir = dirname(master);
  const files: { file: string; text: string }[] = [];
  const unreadable: string[] = [];
  if (basename(schoolDir) !== school || basename(master) !== layoutName(school)) return { files, unreadable };
  const root = dirname(schoolDir);
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch {
    return { files, unreadable };
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!entry.isDirectory() || entry.name === school) continue;
    const file = join(root, entry.name, layoutName(entry.name));
    try {
      files.push({ file, text: await fs.readFile(file, 'latin1') });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // a folder without a devices file is not a school sophomorix reads
      if (code !== 'ENOENT' && code !== 'ENOTDIR') unreadable.push(`${file} (${code})`);
    }
  }
  return { files, unreadable };
}

/** otherSchoolFiles as a provider, so the merge step can be given other files in tests. */
@Injectable()
export class OtherSchoolFiles {
  read(masterPath: string, school: string): ReturnType<typeof otherSchoolFiles> {
    return otherSchoolFiles(masterPath, school);
  }
}
