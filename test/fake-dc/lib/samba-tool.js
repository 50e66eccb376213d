'use strict';
// fake /usr/bin/samba-tool: the commands of DOMAIN.md §4 (plus `computer create`, `dns add`,
// `dns zonecreate`, `dns zonelist` so tests can make objects sophomorix did not create).
const dc = require('./dc-root');
const { sameData } = require('./sync');

const TOOL = 'samba-tool';
const DNS_TYPES = ['A', 'AAAA', 'PTR', 'CNAME', 'MX', 'NS', 'SOA', 'SRV', 'TXT', 'ALL', 'ANY'];

// Connection/auth options every samba-tool command accepts (DOMAIN.md §4); they are ignored.
const OPTS_WITH_VALUE = new Set([
  '-U',
  '--username',
  '--password',
  '--realm',
  '-W',
  '--workgroup',
  '-k',
  '--kerberos',
  '--use-kerberos',
  '-H',
  '--URL',
  '-d',
  '--debuglevel',
  '-s',
  '--configfile',
  '--simple-bind-dn',
  '--option',
  '--krb5-ccache',
  '--use-krb5-ccache',
]);
const FLAG_OPTS = new Set(['-P', '--machine-pass', '-N', '--no-pass', '--quiet']);

/** Printed as `ERROR: msg`, or `ERROR(runtime): msg` like newer samba's uncaught WERRORs. */
class CommandError extends Error {
  constructor(message, runtime = false) {
    super(message);
    this.runtime = runtime;
  }
}
class UsageError extends Error {}

/** Splits argv into positional words and `--name=value` command options, dropping auth. */
function parseArgv(argv) {
  const words = [];
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (FLAG_OPTS.has(a)) continue;
    if (OPTS_WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    if (/^-U./.test(a) || /^-d\d+$/.test(a)) continue; // -Uadmin%pw, -d3
    const eq = /^(--[A-Za-z0-9-]+)=(.*)$/s.exec(a);
    if (eq) {
      if (!OPTS_WITH_VALUE.has(eq[1])) options[eq[1].slice(2)] = eq[2];
      continue;
    }
    words.push(a);
  }
  return { words, options };
}

/** Never write a password into the call log. */
function maskArgv(argv) {
  return argv.map((a, i) => {
    if (argv[i - 1] === '-U' || /^-U./.test(a)) return a.replace(/%.*$/s, '%***');
    if (argv[i - 1] === '--password') return '***';
    return a.replace(/^(--password=).*$/s, '$1***').replace(/^(--username=[^%]*%).*$/s, '$1***');
  });
}

const baseDn = (domain) =>
  domain
    .split('.')
    .map((p) => `DC=${p}`)
    .join(',');

function computerDn(c, domain) {
  if (c.by !== 'sophomorix') {
    return c.role === 'addc' && c.name === 'SERVER'
      ? `CN=${c.name},OU=Domain Controllers,${baseDn(domain)}`
      : `CN=${c.name},CN=Computers,${baseDn(domain)}`;
  }
  const room = c.room ? `OU=${c.room},` : '';
  return `CN=${c.name},${room}OU=Devices,OU=${c.school},OU=SCHOOLS,${baseDn(domain)}`;
}

function showComputer(c, domain) {
  const dn = computerDn(c, domain);
  const lines = [
    `dn: ${dn}`,
    'objectClass: top',
    'objectClass: person',
    'objectClass: organizationalPerson',
    'objectClass: user',
    'objectClass: computer',
    `cn: ${c.name}`,
    `distinguishedName: ${dn}`,
    `name: ${c.name}`,
    'userAccountControl: 4096',
    `sAMAccountName: ${c.sAMAccountName}`,
    'sAMAccountType: 805306369',
    `dNSHostName: ${c.dnsName}.${domain}`,
  ];
  if (c.by === 'sophomorix') {
    lines.push(
      `description: ${c.comment}`,
      `sophomorixRole: ${c.role}`,
      `sophomorixSchoolname: ${c.school}`,
      `sophomorixAdminClass: ${c.room}`,
      `sophomorixComputerIP: ${c.ip}`,
      `sophomorixComputerMAC: ${c.mac}`,
      `sophomorixComputerRoom: ${c.room}`,
      `sophomorixDnsNodename: ${c.dnsName}`,
      `sophomorixAdminFile: ${c.school === dc.DEFAULT_SCHOOL ? 'devices.csv' : `${c.school}.devices.csv`}`,
    );
  }
  return lines;
}

const computerKey = (name) => name.replace(/\$$/, '').toUpperCase();

function renderRecord(r, config) {
  let data = r.data;
  if (r.type === 'PTR' && config.ptrTrailingDot && !data.endsWith('.')) data += '.';
  return `    ${r.type}: ${data} (flags=${r.flags}, serial=${r.serial}, ttl=${r.ttl})`;
}

/** `NAME` relative to the zone: `@`, a FQDN inside the zone, or a plain node name. */
function nodeOf(name, zone) {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n === '@' || n === zone) return '@';
  return n.endsWith(`.${zone}`) ? n.slice(0, -(zone.length + 1)) : n;
}

function typeFilter(type) {
  const t = type.toUpperCase();
  if (!DNS_TYPES.includes(t)) throw new CommandError(`Unknown type of DNS record ${type}`);
  return t === 'ALL' || t === 'ANY' ? () => true : (r) => r.type === t;
}

function run(words, options, root, config, io) {
  const state = () => dc.readState(root, config.domain);
  const update = (fn) => dc.updateState(root, config.domain, fn);
  const newForm = () => new CommandError('Record or zone does not exist. [WERR_DNS_ERROR_NAME_DOES_NOT_EXIST]', true);
  const dnsMissing = () => (config.newErrors ? newForm() : new CommandError('Record or zone does not exist.'));
  const need = (n, usage) => {
    if (words.length !== n) throw new UsageError(`Usage: samba-tool ${usage}`);
  };
  const out = (lines) => io.out.write(`${lines.join('\n')}\n`);
  const [group, cmd] = words;

  if (group === 'computer') {
    if (cmd === 'show') {
      need(3, 'computer show [options] <computername>');
      const c = state().computers[computerKey(words[2])];
      const sam = words[2].endsWith('$') ? words[2] : `${words[2]}$`;
      if (!c) throw new CommandError(`Unable to find computer "${sam}"`);
      return out(showComputer(c, config.domain));
    }
    if (cmd === 'list') {
      need(2, 'computer list [options]');
      // a real DC lists in database order (here: creation order), in the stored case
      const names = Object.values(state().computers).map((c) => c.sAMAccountName);
      return names.length ? out(names) : undefined;
    }
    if (cmd === 'delete') {
      need(3, 'computer delete [options] <computername>');
      const gone = update((s) => {
        const key = computerKey(words[2]);
        const c = s.computers[key];
        if (!c) return false;
        delete s.computers[key];
        // a real delete also removes the A/PTR records of the account's dNSHostName
        const fqdn = `${c.dnsName}.${config.domain}`.toLowerCase();
        for (const [zoneName, zone] of Object.entries(s.zones)) {
          for (const [n, records] of Object.entries(zone.nodes)) {
            const keep = records.filter(
              (r) =>
                !(r.type === 'A' && zoneName === config.domain && n === c.dnsName.toLowerCase()) &&
                !(r.type === 'PTR' && r.data.toLowerCase().replace(/\.$/, '') === fqdn),
            );
            if (keep.length === 0) delete zone.nodes[n];
            else zone.nodes[n] = keep;
          }
        }
        return true;
      });
      if (!gone) throw new CommandError(`Unable to find computer "${words[2]}"`);
      return out([`Deleted computer ${words[2]}`]);
    }
    if (cmd === 'create' || cmd === 'add') {
      need(3, `computer ${cmd} [options] <computername>`);
      const key = computerKey(words[2]);
      const made = update((s) => {
        if (s.computers[key]) return false;
        s.computers[key] = {
          name: key,
          sAMAccountName: `${key}$`,
          school: null,
          room: null,
          role: null,
          dnsName: key.toLowerCase(),
          comment: options.description ?? '',
          by: 'manual',
        };
        return true;
      });
      if (!made) throw new CommandError(`Failed to create computer "${words[2]}": Computer "${key}$" already exists`);
      return out([`Computer '${words[2]}' added successfully`]);
    }
    throw new UsageError(
      'Usage: samba-tool computer <subcommand>\n\nAvailable subcommands:\n  add\n  create\n  delete\n  list\n  show',
    );
  }

  if (group === 'dns') {
    if (cmd === 'query') {
      need(6, 'dns query <server> <zone> <name> <A|AAAA|PTR|CNAME|MX|NS|SOA|SRV|TXT|ALL> [options]');
      const zoneName = words[3].toLowerCase();
      const zone = state().zones[zoneName];
      if (!zone) throw dnsMissing();
      const match = typeFilter(words[5]);
      const node = nodeOf(words[4], zoneName);
      const block = (name, records, children = 0) => [
        `  Name=${name}, Records=${records.length}, Children=${children}`,
        ...records.map((r) => renderRecord(r, config)),
      ];
      const all = words[5].toUpperCase() === 'ALL' || words[5].toUpperCase() === 'ANY';
      // the nodes directly below `node`: a multi-label name shows as its label next to the parent
      // with Children=n, as a real DC does (1–2 octet reverse zones)
      const below = new Map();
      for (const n of Object.keys(zone.nodes)) {
        if (n === '@' || n === node) continue;
        const rel = node === '@' ? n : n.endsWith(`.${node}`) ? n.slice(0, -(node.length + 1)) : null;
        if (rel === null) continue;
        const labels = rel.split('.');
        const label = labels[labels.length - 1];
        const entry = below.get(label) ?? { records: [], children: 0 };
        if (labels.length === 1) entry.records = zone.nodes[n];
        else entry.children++;
        below.set(label, entry);
      }
      if (node === '@' || (all && below.size > 0)) {
        // the apex block, then one block per node (DOMAIN.md §4: one process answers a whole batch)
        const lines = block('', (zone.nodes[node] ?? []).filter(match));
        if (node === '@' && zoneName === config.domain) {
          // a real forward zone also holds the AD service nodes
          for (const n of ['_msdcs', '_sites', '_tcp', '_udp', 'DomainDnsZones', 'ForestDnsZones']) {
            lines.push(...block(n, []));
          }
        }
        for (const [label, entry] of [...below.entries()].sort(([a], [b]) => a.localeCompare(b))) {
          const records = entry.records.filter(match);
          if (records.length > 0 || entry.children > 0) lines.push(...block(label, records, entry.children));
        }
        return out(lines);
      }
      const existing = zone.nodes[node];
      if (!existing) throw dnsMissing();
      // a name without a record of the asked type: exit 0 with an empty block (real samba-tool)
      return out(block('', existing.filter(match)));
    }
    if (cmd === 'delete' || cmd === 'add') {
      need(7, `dns ${cmd} <server> <zone> <name> <A|AAAA|PTR|CNAME|NS|MX|SRV|TXT> <data>`);
      const zoneName = words[3].toLowerCase();
      const type = words[5].toUpperCase();
      const data = words[6];
      if (!DNS_TYPES.includes(type) || type === 'ALL' || type === 'ANY') {
        throw new CommandError(`Unknown type of DNS record ${words[5]}`);
      }
      const node = nodeOf(words[4], zoneName);
      const result = update((s) => {
        const zone = s.zones[zoneName];
        if (!zone) return 'no-zone';
        const records = zone.nodes[node] ?? [];
        const i = records.findIndex((r) => r.type === type && sameData(r.data, data));
        if (cmd === 'delete') {
          if (i < 0) return 'no-record';
          records.splice(i, 1);
          if (records.length === 0) delete zone.nodes[node];
          return 'ok';
        }
        if (i >= 0) return 'exists';
        zone.nodes[node] = [...records, dc.record(type, data, 'manual')];
        return 'ok';
      });
      const where = `zone[${zoneName}] name[${words[4]}]`;
      if (result === 'no-zone') {
        if (cmd === 'delete') throw new CommandError(`Zone does not exist; record could not be deleted. ${where}`);
        throw dnsMissing();
      }
      if (result === 'no-record') {
        throw config.newErrors
          ? newForm()
          : new CommandError(`Record does not exist; record could not be deleted. ${where}`);
      }
      if (result === 'exists') throw new CommandError('Record already exists');
      return out([cmd === 'delete' ? 'Record deleted successfully' : 'Record added successfully']);
    }
    if (cmd === 'zonecreate') {
      need(4, 'dns zonecreate <server> <zone> [options]');
      const zoneName = words[3].toLowerCase();
      const made = update((s) => {
        if (s.zones[zoneName]) return false;
        s.zones[zoneName] = dc.newZone(zoneName, config.domain, 'manual');
        return true;
      });
      if (!made) throw new CommandError('Zone already exists');
      return out([`Zone ${zoneName} created successfully`]);
    }
    if (cmd === 'zonelist') {
      need(3, 'dns zonelist <server> [options]');
      const zones = Object.keys(state().zones).sort();
      return out([
        `  ${zones.length} zone(s) found`,
        '',
        ...zones.flatMap((z) => [
          `  pszZoneName                 : ${z}`,
          '  Flags                       : DNS_RPC_ZONE_DSINTEGRATED DNS_RPC_ZONE_UPDATE_SECURE',
          '  ZoneType                    : DNS_ZONE_TYPE_PRIMARY',
          '',
        ]),
      ]);
    }
    throw new UsageError(
      'Usage: samba-tool dns <subcommand>\n\nAvailable subcommands:\n  add\n  delete\n  query\n  zonecreate\n  zonelist',
    );
  }

  if (group === 'domain' && cmd === 'info') {
    need(3, 'domain info <ip_address> [options]');
    if (words[2].toLowerCase() === 'localhost') throw new CommandError(`Invalid IP address '${words[2]}'!`);
    const d = config.domain;
    const netbios = d.split('.')[0].toUpperCase();
    const rows = [
      ['Forest', d],
      ['Domain', d],
      ['Netbios domain', netbios],
      ['DC name', `server.${d}`],
      ['DC netbios name', 'SERVER'],
      ['Server site', 'Default-First-Site-Name'],
      ['Client site', 'Default-First-Site-Name'],
    ];
    return out(rows.map(([k, v]) => `${k.padEnd(17)}: ${v}`));
  }

  throw new UsageError(
    [
      'Usage: samba-tool <subcommand>',
      '',
      'Main samba administration tool.',
      '',
      'Available subcommands:',
      '  computer  - Computer management.',
      '  dns       - Domain Name Service (DNS) management.',
      '  domain    - Domain management.',
      group ? `samba-tool: no such subcommand: ${[group, cmd].filter(Boolean).join(' ')}` : '',
    ].join('\n'),
  );
}

/** -P, -U…, --username/--password or Kerberos: what keeps a real samba-tool from prompting. */
function hasCredentials(argv) {
  return argv.some(
    (a) =>
      ['-P', '--machine-pass', '-U', '--username', '-k', '--kerberos', '--use-kerberos'].includes(a) ||
      /^(-U.|--username=|--use-kerberos=|--kerberos=)/.test(a),
  );
}

async function main(argv, io = { out: process.stdout, err: process.stderr }) {
  let root;
  try {
    root = dc.requireRoot();
  } catch (err) {
    io.err.write(`${TOOL}: ${err.message}\n`);
    return 2;
  }
  const { words, options } = parseArgv(argv);
  const { config } = dc.loadConfig(root);
  // a real samba-tool takes its time (python start, LDB/RPC): the DC is read at the end of it
  const remaining = config.sambaDelayMs - performance.now();
  if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
  let exit = 0;
  // any password on the command line: samba-tool warns on stderr before anything else
  if (argv.some((a) => a === '--password' || a.startsWith('--password='))) {
    io.err.write(
      'WARNING: Using password on command line is insecure. Please install the setproctitle python module.\n',
    );
  }
  try {
    // RPC commands need credentials; `computer …` reads sam.ldb locally as root
    if (['dns', 'domain'].includes(words[0]) && words[1] !== 'info' && !hasCredentials(argv)) {
      const server = words[2] ?? '127.0.0.1';
      io.out.write(`Password for [${config.domain.split('.')[0].toUpperCase()}\\root]:`);
      throw new CommandError(
        `Connecting to DNS RPC server ${server} failed with (3221225581, 'The attempted logon is invalid. This is either due to a bad username or authentication information.')`,
      );
    }
    run(words, options, root, config, io);
  } catch (err) {
    // samba-tool reports every failure as `ERROR…` on stderr with exit 255 (DOMAIN.md §4)
    if (err instanceof CommandError) io.err.write(`ERROR${err.runtime ? '(runtime)' : ''}: ${err.message}\n`);
    else if (err instanceof UsageError) io.err.write(`${err.message.trimEnd()}\n`);
    else throw err;
    exit = 255;
  }
  dc.logCall(root, TOOL, maskArgv(argv), exit);
  return exit;
}

module.exports = { main, parseArgv, maskArgv };
