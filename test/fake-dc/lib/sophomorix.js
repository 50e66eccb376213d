'use strict';
// An independent re-implementation of what sophomorix-device checks in devices.csv (DOMAIN.md §2).
// Written from docs/DOMAIN.md, not from libs/csv-merge, so the two cross-check each other.
const fs = require('node:fs');
const { DEFAULT_SCHOOL, paths } = require('./dc-root');

const ACCOUNT_ROLES = [
  'classroom-studentcomputer',
  'classroom-teachercomputer',
  'faculty-teachercomputer',
  'staffcomputer',
  'server',
  'addc',
  'mobile',
  'printer',
];
const DNS_ONLY_ROLES = ['iponly', 'thinclient', 'voip', 'byod', 'router', 'wlan', 'switch'];
const DEFAULT_ROLE = 'classroom-studentcomputer';

// The source line a Perl die names (the real script's numbers differ between releases).
const DIE_LINE = 1703;

const HEX = '[0-9A-Fa-f]';
// DOMAIN.md §2 MAC forms: pairs separated by one of `:` `-` space `_` (the same one throughout),
// Cisco dotted triples, 12 bare digits.
const MAC_SEPARATED = new RegExp(`^${HEX}{2}([-:_ ])${HEX}{2}(\\1${HEX}{2}){4}$`);
const MAC_CISCO = new RegExp(`^${HEX}{4}\\.${HEX}{4}\\.${HEX}{4}$`);
const MAC_BARE = new RegExp(`^${HEX}{12}$`);

/** Upper-case `XX:XX:XX:XX:XX:XX`, or null when sophomorix would die on the value. */
function normaliseMac(mac) {
  if (!MAC_SEPARATED.test(mac) && !MAC_CISCO.test(mac) && !MAC_BARE.test(mac)) return null;
  const hex = mac.replace(/[^0-9A-Fa-f]/g, '').toUpperCase();
  return hex.match(/../g).join(':');
}

/** Perl numifies an octet: the leading number or 0 (hence `abc` passes, DOMAIN.md §2 "warning"). */
function perlNumber(text) {
  const t = text.replace(/^\s+/, '');
  const special = /^([-+]?)(inf(inity)?|nan)/i.exec(t);
  if (special) {
    if (/^nan$/i.test(special[2])) return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(t);
  return m ? Number(m[0]) : 0;
}

/** DOMAIN.md §2: `DHCP` or exactly 3 dots with no octet numerically below 0 or above 255. */
function ipAccepted(ip) {
  if (ip === 'DHCP') return true;
  const octets = ip.split('.');
  if (octets.length !== 4) return false;
  return !octets.some((o) => {
    const n = perlNumber(o);
    return n < 0 || n > 255;
  });
}

/** Split like sophomorix: only `\n` is removed, `;` always separates, fields past 14 ignored. */
function splitLines(text) {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function isSkipped(line) {
  return line.startsWith('#') || /^\s*$/.test(line);
}

function fieldsOf(line) {
  const f = line.split(';').slice(0, 15);
  while (f.length < 15) f.push('');
  return f;
}

/** AD/DNS name of a host: a non-default school's names carry an `S-` prefix (DOMAIN.md §2). */
function dnsNameOf(school, hostname) {
  const base = school === DEFAULT_SCHOOL ? hostname : `${school}-${hostname}`;
  return base.toLowerCase();
}

class Die extends Error {}
class Fatal extends Error {}

/**
 * Runs the checks over every school's file in DOMAIN.md §2 check order.
 * Returns { exit: 0|1|88|255, output: string[] (sophomorix's stdout+stderr), hosts: [...] }.
 */
function checkAll(root, schools) {
  const output = [];
  const hosts = [];
  const collected = []; // class B (room, duplicate name): reported, exit 1 at the end
  const seenMac = new Map();
  const seenIp = new Map();
  const seenName = new Map();

  const where = (school, lineNo) => `${paths.realDevicesFile(school)} line ${lineNo}`;
  try {
    for (const school of schools) {
      const file = paths.devicesFile(root, school);
      const text = fs.readFileSync(file, 'utf8');
      output.push(`Reading ${paths.realDevicesFile(school)}`);
      splitLines(text).forEach((line, i) => {
        const lineNo = i + 1;
        if (isSkipped(line)) return;
        const [room, hostname, group, mac, ip, , , dhcpOptions, roleField, , pxe, , , , comment] = fieldsOf(line);
        const at = where(school, lineNo);
        const fatal = (msg) => {
          output.push(`LINE: ${line}`, `  ERROR: ${msg} (${at})`);
          throw new Fatal();
        };
        if (!/^[A-Za-z0-9-]*$/.test(room)) {
          output.push(`LINE: ${line}`, `  ERROR: >${room}< is an invalid room name (${at})`);
          collected.push(at);
        }
        if (!/^[A-Za-z0-9-]+$/.test(hostname)) fatal(`>${hostname}< is an invalid hostname`);
        if (!/^[A-Za-z0-9_-]+$/.test(group)) fatal(`>${group}< is an invalid device group`);
        const normalMac = normaliseMac(mac);
        if (normalMac === null) {
          output.push(`LINE: ${line}`);
          throw new Die(`MAC address >${mac}< is not valid in ${at} at /usr/sbin/sophomorix-device line ${DIE_LINE}.`);
        }
        if (seenMac.has(normalMac)) {
          fatal(`MAC address >${normalMac}< (>${mac}<) is used twice, first in ${seenMac.get(normalMac)}`);
        }
        seenMac.set(normalMac, at);
        if (!ipAccepted(ip)) fatal(`>${ip}< is not a valid IPv4 address`);
        if (ip !== 'DHCP') {
          if (seenIp.has(ip)) fatal(`IP address >${ip}< is used twice, first in ${seenIp.get(ip)}`);
          seenIp.set(ip, at);
        }
        const role = roleField === '' ? DEFAULT_ROLE : roleField;
        if (!ACCOUNT_ROLES.includes(role) && !DNS_ONLY_ROLES.includes(role)) {
          fatal(`>${roleField}< is invalid Option in role field`);
        }
        // a digit anywhere, or sophomorix's one named option `ml` (its check_pxe)
        if (!/[0-9]/.test(pxe) && pxe !== 'ml') fatal(`>${pxe}< is invalid Option in pxe field`);
        const name = dnsNameOf(school, hostname);
        if (seenName.has(name)) {
          output.push(`LINE: ${line}`, `  ERROR: Hostname >${name}< is used twice, first in ${seenName.get(name)}`);
          collected.push(at);
        } else {
          seenName.set(name, at);
        }
        hosts.push({
          school,
          room,
          hostname,
          name,
          group,
          mac,
          normalMac,
          ip,
          dhcpOptions,
          role,
          pxe,
          comment: comment === '' ? '---' : comment,
          hasAccount: ACCOUNT_ROLES.includes(role),
        });
      });
    }
  } catch (err) {
    if (err instanceof Fatal) return { exit: 88, output, hosts: [] };
    if (err instanceof Die) {
      output.push(err.message);
      return { exit: 255, output, hosts: [] };
    }
    throw err;
  }
  if (collected.length > 0) {
    output.push(`  ERROR: ${collected.length} error(s) in devices files, nothing synced`);
    return { exit: 1, output, hosts: [] };
  }
  return { exit: 0, output, hosts };
}

module.exports = {
  ACCOUNT_ROLES,
  DNS_ONLY_ROLES,
  DEFAULT_ROLE,
  normaliseMac,
  ipAccepted,
  splitLines,
  isSkipped,
  fieldsOf,
  dnsNameOf,
  checkAll,
};
