// Public API of @app/csv-merge (README.md). Internals (fast path, hash index, line facts) stay private.
export { formatDevicesCsv, lineKind, parseCsvLine, parseDevicesCsv } from './csv';
export * from './device-line';
export { DUPLICATE_CODES, validateCsvLines, validateDevicesCsv, validateDevicesFiles } from './file-check';
export {
  FINDING_CODES,
  type FindingCode,
  parseSubnet,
  type Subnet,
  validateLine,
  type ValidateOptions,
} from './line-rules';
export { type MacForm, macForm, normalizeMac } from './mac';
export { formatDelta, masterWidth, mergeDelta, parseDelta, planBatch } from './plan';
export * from './types';
export { type LineVerdict, lineVerdicts, type SophomorixOutcome, sophomorixOutcome } from './verdicts';
