'use strict';
// The DHCP step of linuxmuster-import-devices (DOMAIN.md §3). It reads the school's devices file on
// its own, leniently — in 7.3 it runs even after sophomorix rejected the file.
const fs = require('node:fs');
const { paths, writeFileAtomic } = require('./dc-root');
const { splitLines, isSkipped, fieldsOf, dnsNameOf } = require('./sophomorix');

// Only `:` or `-` separated MACs get an entry (DOMAIN.md §2 column 3); the text is copied verbatim.
const DHCP_MAC = /^[0-9A-Fa-f]{2}([-:])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}$/;
const PLAIN_IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipToInt(ip) {
  const m = PLAIN_IPV4.exec(ip);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return null;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

function inSubnet(ip, cidr) {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  const a = ipToInt(ip);
  const b = ipToInt(base);
  if (a === null || b === null || !(bits >= 0 && bits <= 32)) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

/** The host block of one line, or null when the DHCP step skips the line. */
function hostBlock(school, fields, subnets) {
  const [, hostname, group, mac, ip, , , dhcpOptions, , , pxe] = fields;
  if (!/^[A-Za-z0-9-]+$/.test(hostname) || !DHCP_MAC.test(mac)) return null;
  if (ip !== 'DHCP') {
    const n = ipToInt(ip);
    // last octet 255 or outside every configured subnet: no entry (DOMAIN.md §2 warnings)
    if (n === null || n % 256 === 255) return null;
    if (subnets.length > 0 && !subnets.some((s) => inSubnet(ip, s))) return null;
  }
  const name = dnsNameOf(school, hostname);
  const out = [`host ${name} {`, `  option host-name "${name}";`, `  hardware ethernet ${mac};`];
  if (ip !== 'DHCP') out.push(`  fixed-address ${ip};`);
  const pxeFlag = pxe.trim();
  // option lines only when pxe ≠ 0 (DOMAIN.md §3)
  if (pxeFlag !== '0' && pxeFlag !== '') {
    out.push(`  option extensions-path "${group}";`, `  option nis-domain "${group}";`);
    for (const opt of dhcpOptions.split(',')) {
      if (opt.trim() !== '') out.push(`  ${opt.trim()};`);
    }
  }
  out.push('}');
  return out.join('\n');
}

/** Rebuilds etc/dhcp/devices/<school>.conf and the include file of all schools; returns the entry count. */
function rebuildDhcp(root, school, allSchools, subnets) {
  const file = paths.devicesFile(root, school);
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const blocks = [];
  for (const line of splitLines(text)) {
    if (isSkipped(line)) continue;
    const block = hostBlock(school, fieldsOf(line), subnets);
    if (block) blocks.push(block);
  }
  writeFileAtomic(paths.dhcpFile(root, school), blocks.map((b) => `${b}\n`).join(''));
  const includes = [...allSchools]
    .sort()
    .map((s) => `include "/etc/dhcp/devices/${s}.conf";\n`)
    .join('');
  writeFileAtomic(paths.dhcpInclude(root), includes);
  return blocks.length;
}

module.exports = { rebuildDhcp, hostBlock, DHCP_MAC };
