'use strict';
// fake /usr/sbin/linuxmuster-import-devices: sophomorix-device checks + sync, then the DHCP
// rebuild, with each release's way of (mis)reporting errors (DOMAIN.md §3 table).
const fs = require('node:fs');
const path = require('node:path');
const dc = require('./dc-root');
const { checkAll } = require('./sophomorix');
const { syncState } = require('./sync');
const { rebuildDhcp } = require('./dhcp');

const TOOL = 'linuxmuster-import-devices';
const USAGE = `Usage: linuxmuster-import-devices [options]
 [options] may be:
 -s <school>, --school=<school> : Select a school other than default-school.
 -h, --help                     : Print this help.`;

function parseArgs(argv) {
  let school = dc.DEFAULT_SCHOOL;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') return { help: true };
    if (a === '-s' || a === '--school') {
      if (i + 1 >= argv.length) return { error: `option ${a} requires an argument` };
      school = argv[++i];
    } else if (a.startsWith('--school=')) {
      school = a.slice('--school='.length);
    } else {
      return { error: `unrecognized option '${a}'` };
    }
  }
  if (!/^[A-Za-z0-9_-]+$/.test(school)) return { error: `invalid school name '${school}'` };
  return { school };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(argv, io = { out: process.stdout, err: process.stderr }) {
  let root;
  try {
    root = dc.requireRoot();
  } catch (err) {
    io.err.write(`${TOOL}: ${err.message}\n`);
    return 2;
  }
  // exactly one call-log line per invocation, whichever way it ends
  let logged = false;
  const log = (exit, extra) => {
    // startedAt: when this process started, so tests can check that two runs never overlapped
    const startedAt = new Date(performance.timeOrigin).toISOString();
    if (!logged) dc.logCall(root, TOOL, argv, exit, { startedAt, ...extra });
    logged = true;
  };
  const finish = (exit, out, extra) => {
    if (out.length > 0) io.out.write(`${out.join('\n')}\n`);
    log(exit, extra);
    return exit;
  };
  // the worker's timeout kills us: record it, then die like a killed process would
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      log(null, { signal });
      process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
    });
  }

  const args = parseArgs(argv);
  if (args.help) return finish(0, [USAGE]);
  if (args.error) {
    io.err.write(`${TOOL}: ${args.error}\n${USAGE}\n`);
    return finish(1, []);
  }
  const { school } = args;
  const { config } = dc.loadConfig(root);

  if (config.hang) {
    log(null, { hang: true }); // logged now: a hung run is never going to finish
    setInterval(() => {}, 1 << 30);
    return new Promise(() => {});
  }

  const header = [`#### linuxmuster-import-devices: school ${school} ####`];
  const schools = dc.listSchools(root);
  if (!schools.includes(school)) {
    return finish(1, [...header, `ERROR: ${dc.paths.realDevicesFile(school)} does not exist!`]);
  }

  let sopho = checkAll(root, schools);
  if (dc.consumeCredit(root, config.domain, 'failNext', 'envFailNextUsed')) {
    sopho = {
      exit: 88,
      output: [...sopho.output, '  ERROR: simulated sophomorix-device failure (fake DC knob failNext)'],
      hosts: [],
    };
  }
  const ok = sopho.exit === 0;

  // a real run takes seconds plus time per changed DNS host (DOMAIN.md §3): simulate before the
  // state changes, so nothing is visible early
  let delay = config.delayMs;
  if (ok && config.delayPerHostMs > 0) {
    const preview = JSON.parse(JSON.stringify(dc.readState(root, config.domain)));
    delay += config.delayPerHostMs * syncState(preview, sopho.hosts, config.domain).size;
  }
  // counted from this process's start (performance.now()), so `delayMs: 1000` makes a run cost 1 s
  // of wall time including node's own start-up, as a tool with that cost would
  const remaining = delay - performance.now();
  if (remaining > 0) await sleep(remaining);

  let changed = 0;
  if (ok) {
    changed = dc.updateState(root, config.domain, (state) => syncState(state, sopho.hosts, config.domain).size);
  }
  if (config.release === '7.4') {
    const logFile = dc.paths.importLog(root);
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const stamp = `=== ${new Date().toISOString()} sophomorix-device --dry-run (exit ${sopho.exit}) ===`;
    fs.appendFileSync(logFile, `${[stamp, ...sopho.output].join('\n')}\n`);
  }

  const dhcpStep = () => {
    const n = rebuildDhcp(root, school, schools, config.subnets);
    return [
      `* Processing dhcp stuff for school ${school}: ${n} host(s) written to /etc/dhcp/devices/${school}.conf`,
      '* Restarting isc-dhcp-server ... OK!',
      '* Processing linbo stuff ... OK!',
    ];
  };
  const start = ['* Starting sophomorix-device ...'];

  if (ok) {
    const synced = [`  ${sopho.hosts.length} device(s) checked, ${changed} changed in AD/DNS`];
    const own = config.release === 'old' ? sopho.output : [];
    return finish(0, [...header, ...start, ...own, ...synced, 'sophomorix-device finished  OK!', ...dhcpStep()]);
  }
  switch (config.release) {
    case '7.2':
      return finish(1, [...header, ...start, 'sophomorix-device finished  errors detected!']);
    case '7.3':
      // the error is swallowed and DHCP rebuilt anyway; AD/DNS stayed unsynced
      return finish(0, [...header, ...start, 'sophomorix-device finished  OK!', ...dhcpStep()]);
    case '7.4':
      return finish(1, [...header, ...start, `sophomorix-device --dry-run failed with return code ${sopho.exit}!`]);
    default:
      return finish(0, [...header, ...start, ...sopho.output, ...dhcpStep()]);
  }
}

module.exports = { main, parseArgs };
