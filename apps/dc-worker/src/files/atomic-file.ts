import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** numbered backups of the previous content to keep (`FILE.bak.1` newest … `FILE.bak.N`) */
  backups: number;
  /** called between the rename and the end, for the fault-injection test hook */
  afterRename?: () => void;
}

/** Temp files are dot-files next to the target so the rename stays on one file system. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export function backupPath(path: string, n: number): string {
  return `${path}.bak.${n}`;
}

/** Any code point latin1 cannot carry one-to-one (a string not read from a file as latin1). */
const BEYOND_LATIN1 = /[\u0100-\u{10ffff}]/u;

/**
 * Replaces `path` atomically (DOMAIN.md §9 step 6): write a temp file in the same folder, fsync it,
 * give it the old file's mode and owner, rotate numbered backups (the previous content becomes
 * `.bak.1`, as a hard link so the target never disappears), rename over the target and fsync the
 * folder. A crash at any point leaves either the old or the new content under `path`.
 *
 * `content` is latin1 text (one char per byte, as MasterFile/DeltaFile read it): whatever bytes
 * the file held — Latin-1 umlauts of an old school server, UTF-8, anything — are written back
 * unchanged (DOMAIN.md §9: untouched lines byte for byte). A char above U+00FF cannot come from such a
 * read and would be truncated by the encoder, so it is refused instead.
 */
export async function writeFileAtomic(path: string, content: string, opts: AtomicWriteOptions): Promise<void> {
  const wide = BEYOND_LATIN1.exec(content);
  if (wide) {
    throw new Error(
      `refusing to write ${path}: U+${wide[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at offset ${wide.index} is not latin1 (bytes) text`,
    );
  }
  const dir = dirname(path);
  let previous: import('node:fs').Stats | null = null;
  try {
    previous = await fs.stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const temp = tempPathFor(path);
  const handle = await fs.open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
  try {
    await handle.writeFile(content, 'latin1');
    if (previous) {
      await handle.chmod(previous.mode & 0o7777);
      if (process.getuid?.() === 0) await handle.chown(previous.uid, previous.gid);
    }
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    if (previous && opts.backups > 0) await rotateBackups(path, opts.backups);
    await fs.rename(temp, path);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
  opts.afterRename?.();
  await fsyncDir(dir);
}

/** `.bak.N-1` → `.bak.N` …, then the current file is hard-linked as `.bak.1`. */
async function rotateBackups(path: string, keep: number): Promise<void> {
  await fs.rm(backupPath(path, keep), { force: true });
  for (let n = keep - 1; n >= 1; n--) {
    try {
      await fs.rename(backupPath(path, n), backupPath(path, n + 1));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  try {
    await fs.link(path, backupPath(path, 1));
  } catch (err) {
    // file systems without hard links: fall back to a copy (still never removes the target)
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw err;
    await fs.copyFile(path, backupPath(path, 1));
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, fsConstants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
