import { ApiError } from '../common/api-error';
import { CSV_MAX_FIELDS, CSV_MAX_LINE_CHARS, CSV_MAX_LINES } from '../common/limits';

/**
 * The shape limits of an uploaded devices.csv (common/limits.ts, docs/API.md): a text that breaks
 * one is refused whole with 400 before any row is planned, so it changes nothing. NUL and binary
 * never get here (request-guards.ts refuses them in both the text and the JSON form).
 */
export function assertCsvShape(text: string): void {
  let line = 0;
  let start = 0;
  while (start <= text.length) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    line += 1;
    if (line > CSV_MAX_LINES) throw ApiError.validation('csv', `devices.csv has more than ${CSV_MAX_LINES} lines`);
    if (stop - start > CSV_MAX_LINE_CHARS) {
      throw ApiError.validation('csv', `devices.csv line ${line} is longer than ${CSV_MAX_LINE_CHARS} characters`);
    }
    let fields = 1;
    for (let i = text.indexOf(';', start); i !== -1 && i < stop; i = text.indexOf(';', i + 1)) fields += 1;
    if (fields > CSV_MAX_FIELDS) {
      throw ApiError.validation(
        'csv',
        `devices.csv line ${line} has ${fields} fields; at most ${CSV_MAX_FIELDS} are accepted`,
      );
    }
    if (end === -1) break;
    start = end + 1;
  }
}
