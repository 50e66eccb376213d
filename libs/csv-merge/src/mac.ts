/** How a MAC is written in devices.csv; decides the DOMAIN.md §2 warnings (the DHCP step copies it verbatim). */
export type MacForm = 'colon' | 'dash' | 'space' | 'underscore' | 'cisco' | 'bare' | 'invalid';

// Pairs with one separator used consistently (DOMAIN.md §2: ':' '-' ' ' '_').
const PAIRS_RE =
  /^([0-9A-Fa-f]{2})([:\- _])([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})$/;
// Cisco dotted quads 0011.2233.4455
const CISCO_RE = /^([0-9A-Fa-f]{4})\.([0-9A-Fa-f]{4})\.([0-9A-Fa-f]{4})$/;
const BARE_RE = /^[0-9A-Fa-f]{12}$/;

const SEPARATOR_FORM: Record<string, MacForm> = { ':': 'colon', '-': 'dash', ' ': 'space', _: 'underscore' };

export function macForm(s: string): MacForm {
  switch (s.length) {
    case 17: {
      const m = PAIRS_RE.exec(s);
      return m ? SEPARATOR_FORM[m[2]] : 'invalid';
    }
    case 14:
      return CISCO_RE.test(s) ? 'cisco' : 'invalid';
    case 12:
      return BARE_RE.test(s) ? 'bare' : 'invalid';
    default:
      return 'invalid';
  }
}

/** The 12 hex digits of a MAC in any form sophomorix accepts, upper case; null otherwise. */
function macDigits(s: string): string | null {
  switch (s.length) {
    case 17: {
      const m = PAIRS_RE.exec(s);
      return m ? m[1] + m[3] + m[4] + m[5] + m[6] + m[7] : null;
    }
    case 14: {
      const m = CISCO_RE.exec(s);
      return m ? m[1] + m[2] + m[3] : null;
    }
    case 12:
      return BARE_RE.test(s) ? s : null;
    default:
      return null;
  }
}

/**
 * Normalises every form sophomorix accepts (DOMAIN.md §2) to `AA:BB:CC:DD:EE:FF`; null for anything
 * else (sophomorix-device dies on it). Duplicates are compared on this form.
 */
export function normalizeMac(s: string): string | null {
  // fast path: already canonical (the common case in a maintained file) — no allocation
  if (s.length === 17 && isCanonical(s)) return s;
  const d = macDigits(s);
  if (d === null) return null;
  const u = d.toUpperCase();
  return `${u.slice(0, 2)}:${u.slice(2, 4)}:${u.slice(4, 6)}:${u.slice(6, 8)}:${u.slice(8, 10)}:${u.slice(10, 12)}`;
}

/** `AA:BB:CC:DD:EE:FF` with upper-case hex digits. */
function isCanonical(s: string): boolean {
  for (let i = 0; i < 17; i++) {
    const c = s.charCodeAt(i);
    if (i % 3 === 2) {
      if (c !== 58 /* : */) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70))) {
      return false;
    }
  }
  return true;
}

/** The form of a MAC that normalizeMac accepted (cheaper than macForm: no regex). */
export function acceptedMacForm(s: string): Exclude<MacForm, 'invalid'> {
  if (s.length === 14) return 'cisco';
  if (s.length === 12) return 'bare';
  return SEPARATOR_FORM[s[2]] as Exclude<MacForm, 'invalid'>;
}

/**
 * A normalised MAC as a number (48 bits fit a double exactly): the duplicate checks key Maps by it
 * — no string to allocate, hash or keep per line of a 100k-line master.
 */
export function macNumber(normalised: string): number {
  let v = 0;
  for (let i = 0; i < 17; i++) {
    const c = normalised.charCodeAt(i);
    if (c !== 58) v = v * 16 + (c <= 57 ? c - 48 : c - 55);
  }
  return v;
}

/** Inverse of macNumber: `AA:BB:CC:DD:EE:FF`. */
export function macFromNumber(v: number): string {
  const hex = v.toString(16).toUpperCase().padStart(12, '0');
  return hex.replace(/(..)(?!$)/g, '$1:');
}
