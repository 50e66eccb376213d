/**
 * Every limit the API puts on what a client sends, in one place (documented in docs/API.md,
 * "Limits on client input"). Each one is answered with a 4xx and the error envelope, never a 500,
 * and a refused request changes nothing (DOMAIN.md §7).
 */

/** Largest request body: a whole devices.csv (DOMAIN.md §7; a school's file is a few hundred KB at most). */
export const BODY_LIMIT_BYTES = 5 * 1024 * 1024;
/** the same for the Express body parsers, which take a size string */
export const BODY_LIMIT = '5mb';

/** Deepest nesting of objects/arrays in a JSON body. Our DTOs need 3; anything deep is an attack. */
export const JSON_MAX_DEPTH = 32;

/** Object keys that would reach a prototype: refused like any other unknown field. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Most parameters in one query string, and the longest value of one. */
export const QUERY_MAX_PARAMS = 32;
export const QUERY_MAX_VALUE_CHARS = 1024;

/** Highest `page` of a list: keeps OFFSET a sane number (page × limit well inside the safe range). */
export const MAX_PAGE = 1_000_000;

/** All request headers together (Node's default, set explicitly so it is ours): above it 431. */
export const HEADER_MAX_BYTES = 16 * 1024;
/** Whole request (headers and body) must arrive within this; then 408. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** Headers must arrive within this (slow-loris); then 408. */
export const HEADERS_TIMEOUT_MS = 20_000;
/** An idle keep-alive connection is closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/** devices.csv import (DOMAIN.md §2): longest line, most fields per line, most lines. */
export const CSV_MAX_LINE_CHARS = 4096;
export const CSV_MAX_FIELDS = 64;
export const CSV_MAX_LINES = 20_000;
