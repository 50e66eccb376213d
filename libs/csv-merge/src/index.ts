// Public API of @app/csv-merge (README.md). Internals (fast path, hash index, line facts) stay private.
export * from './types';
export { formatDevicesCsv, lineKind, parseCsvLine, parseDevicesCsv } from './csv';
export { macForm, type MacForm, normalizeMac } from './mac';
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
export { lineVerdicts, type LineVerdict, sophomorixOutcome, type SophomorixOutcome } from './verdicts';
export { formatDelta, masterWidth, mergeDelta, parseDelta, planBatch } from './plan';
