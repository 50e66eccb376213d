import { promises as fs } from 'node:fs';

import { Injectable } from '@nestjs/common';

import { writeFileAtomic } from './atomic-file';

/** Numbered backups of the master kept beside it (DOMAIN.md §9 step 6: "keep several"). */
export const MASTER_BACKUPS = 5;

/** The master is missing or unreadable: the batch is refused, nothing is written (DOMAIN.md §9 step 6, scenario 14). */
export class MasterMissingError extends Error {
  readonly code = 'MASTER_MISSING';
}

/** The school's devices.csv that sophomorix reads. We never create it: a missing master is an error. */
@Injectable()
export class MasterFile {
  async read(path: string): Promise<string> {
    try {
      return await fs.readFile(path, 'latin1');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`;
      throw new MasterMissingError(`master devices.csv ${path} ${why}; refusing to write anything`);
    }
  }

  /** Atomic replace with numbered backups `path.bak.1…5`, keeping mode and owner. */
  async write(path: string, content: string, afterRename?: () => void): Promise<void> {
    await writeFileAtomic(path, content, { backups: MASTER_BACKUPS, afterRename });
  }
}
