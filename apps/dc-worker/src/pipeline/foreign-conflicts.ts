import { COL, Finding, normalizeMac, parseCsvLine } from '@app/csv-merge';

import { failed, JobVerdict } from '../report/job-reporter';
import { ProvisionJob } from './provision-job';

/** Another school's devices file, as read (latin1). */
export interface SchoolFile {
  file: string;
  text: string;
}

/**
 * When every error in the other schools' files is a MAC or IP that one of our jobs also uses, those
 * jobs are to blame (the other line was there first): each fails with CSV_CONFLICT naming the other
 * file and line. Returns null when any error is not explained by a job (a bad line of its own):
 * then the import is blocked whatever we leave out.
 */
export function blameForeignConflicts(
  applied: ProvisionJob[],
  findings: Finding[],
  files: SchoolFile[],
): Map<ProvisionJob, JobVerdict> | null {
  const texts = new Map(files.map((f) => [f.file, f.text.split('\n')]));
  const blamed = new Map<ProvisionJob, JobVerdict>();
  for (const f of findings) {
    if (f.code !== 'DUPLICATE_MAC' && f.code !== 'DUPLICATE_IP') return null;
    const raw = f.file ? texts.get(f.file)?.[f.line - 1] : undefined;
    if (raw === undefined) return null;
    const { fields } = parseCsvLine(raw.replace(/\r$/, ''), f.line);
    const mac = normalizeMac(fields[COL.mac] ?? '');
    const ip = fields[COL.ip] ?? '';
    const culprit = applied.find(
      (j) =>
        j.action !== 'delete' &&
        (f.code === 'DUPLICATE_MAC'
          ? mac !== null && normalizeMac(j.options.macAddress) === mac
          : j.options.ipAddress !== null && j.options.ipAddress === ip),
    );
    if (!culprit) return null;
    const what = f.code === 'DUPLICATE_MAC' ? `MAC ${mac}` : `IP ${ip}`;
    blamed.set(
      culprit,
      failed(
        'CSV_CONFLICT',
        `${what} of ${culprit.options.hostname} is already used by host ${fields[COL.hostname] ?? '?'} in ${f.file}:${f.line} (another school's file; sophomorix-device reads every school's file)`,
      ),
    );
  }
  return blamed;
}
