/**
 * Synthetic devices.csv masters and delta files for `npm run bench:merge` (deterministic, no I/O).
 * The master looks like a real school's file: comments, blank lines, CRLF lines, manual lines with
 * extra columns; the delta owns `deltaRatio` of the size — half of it already in the master (an IP
 * changes: patched in place), half new hosts (appended).
 */
import { DELTA_HEADER, type DeviceRecord, formatDeviceLine } from '@app/csv-merge';

const hex2 = (n: number) => (n & 255).toString(16).padStart(2, '0').toUpperCase();
const mac = (prefix: number, i: number) =>
  `02:${hex2(prefix)}:${hex2(i >> 24)}:${hex2(i >> 16)}:${hex2(i >> 8)}:${hex2(i)}`;
const ip = (first: number, i: number) =>
  `${first}.${Math.floor(i / 62500) + 1}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;

export interface MergeInput {
  master: string;
  delta: string;
  masterLines: number;
  deltaHosts: number;
}

export function generateMergeInput(masterLines: number, deltaRatio = 0.1): MergeInput {
  const lines: string[] = [];
  const hostLines: number[] = [];
  for (let i = 0; lines.length < masterLines; i++) {
    if (i % 50 === 0) lines.push(`# room block ${i / 50}: rooms r${i % 300}; do not reorder`);
    else if (i % 97 === 0) lines.push('');
    else {
      const base = `r${i % 300};m${i};win11;${mac(1, i)};${ip(10, i)}`;
      hostLines.push(i);
      if (i % 20 === 1) lines.push(`${base};;;;classroom-studentcomputer;;1;;;;crlf line\r`);
      else if (i % 20 === 2) lines.push(`${base};OFF-KEY;WIN-KEY;opt;staffcomputer;x;1;;;;manual;extra15;extra16`);
      else lines.push(`${base};;;;;;1;;;;`);
    }
  }
  const deltaHosts = Math.round(masterLines * deltaRatio);
  const records: DeviceRecord[] = [];
  const step = Math.max(1, Math.floor(hostLines.length / Math.ceil(deltaHosts / 2)));
  for (let k = 0; records.length < Math.ceil(deltaHosts / 2); k++) {
    const i = hostLines[(k * step) % hostLines.length];
    records.push({
      room: `r${i % 300}`,
      hostname: `m${i}`,
      config: 'win11',
      mac: mac(1, i),
      ip: ip(11, i),
      role: '',
      pxeFlag: 1,
    });
  }
  for (let k = 0; records.length < deltaHosts; k++) {
    records.push({
      room: 'r900',
      hostname: `new${k}`,
      config: null,
      mac: mac(2, k),
      ip: ip(12, k),
      role: 'iponly',
      pxeFlag: 0,
    });
  }
  return {
    master: lines.join('\n') + '\n',
    delta: [DELTA_HEADER, ...records.map((r) => formatDeviceLine(r))].join('\n') + '\n',
    masterLines: lines.length,
    deltaHosts: records.length,
  };
}
