import { promises as fs } from 'node:fs';

import { Injectable } from '@nestjs/common';

import { writeFileAtomic } from './atomic-file';

/**
 * The delta file (DEVICES_CSV_DELTA, DOMAIN.md §9 step 4): the lines this product owns, behind the
 * `# managed-by` header. It is ours alone, so a missing file just means "nothing owned yet".
 */
@Injectable()
export class DeltaFile {
  async read(path: string): Promise<string> {
    try {
      return await fs.readFile(path, 'latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
  }

  /** Atomic replace; one backup is enough to compare after a surprise. */
  async write(path: string, content: string): Promise<void> {
    await writeFileAtomic(path, content, { backups: 1 });
  }
}
