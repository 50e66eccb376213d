// Public API of @app/csv-merge (README.md). Internals (fast path, hash index, line facts) stay private.
export * from './types';
export { formatDevicesCsv, lineKind, parseCsvLine, parseDevicesCsv } from './csv';
export { macForm, type MacForm, normalizeMac } from './mac';
export * from './device-line';
export {
  DUPLICATE_CODES,
  FINDING_CODES,
  type FindingCode,
  lineVerdicts,
  type LineVerdict,
  parseSubnet,
  sophomorixOutcome,
  type SophomorixOutcome,
  type Subnet,
  validateCsvLines,
  validateDevicesCsv,
  validateDevicesFiles,
  validateLine,
  type ValidateOptions,
} from './validate';
export { formatDelta, masterWidth, mergeDelta, parseDelta, planBatch } from './plan';
