'use strict';
// fake /usr/share/linuxmuster/linbo/repair_macct.py --only-hosts HOST[,HOST…] -s SCHOOL
// (DOMAIN.md §10): "repairs" the machine account of hosts whose computer account exists.
const dc = require('./dc-root');
const { dnsNameOf } = require('./sophomorix');

const TOOL = 'repair_macct.py';
const USAGE = 'usage: repair_macct.py [-h] [--only-hosts HOSTS] [-s SCHOOL]';

function parseArgs(argv) {
  let hosts = null;
  let school = dc.DEFAULT_SCHOOL;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const take = () => {
      if (i + 1 >= argv.length) throw new Error(`argument ${a}: expected one argument`);
      return argv[++i];
    };
    if (a === '--only-hosts') hosts = take();
    else if (a.startsWith('--only-hosts=')) hosts = a.slice('--only-hosts='.length);
    else if (a === '-s' || a === '--school') school = take();
    else if (a.startsWith('--school=')) school = a.slice('--school='.length);
    else throw new Error(`unrecognized arguments: ${a}`);
  }
  if (hosts === null) throw new Error('the following arguments are required: --only-hosts');
  const list = hosts
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (list.length === 0) throw new Error('argument --only-hosts: no host given');
  return { hosts: list, school };
}

async function main(argv, io = { out: process.stdout, err: process.stderr }) {
  let root;
  try {
    root = dc.requireRoot();
  } catch (err) {
    io.err.write(`${TOOL}: ${err.message}\n`);
    return 2;
  }
  const finish = (exit) => {
    dc.logCall(root, TOOL, argv, exit);
    return exit;
  };
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    io.err.write(`${USAGE}\n${TOOL}: error: ${err.message}\n`);
    return finish(2);
  }
  const { config } = dc.loadConfig(root);
  if (dc.consumeCredit(root, config.domain, 'repairFailNext', 'envRepairFailNextUsed')) {
    io.err.write(`ERROR: simulated failure while repairing ${args.hosts.join(',')} (fake DC knob repairFailNext)\n`);
    return finish(1);
  }
  const computers = dc.readState(root, config.domain).computers;
  let exit = 0;
  for (const host of args.hosts) {
    const key = dnsNameOf(args.school, host).toUpperCase();
    if (computers[key]) {
      io.out.write(`repaired ${host}\n`);
    } else {
      io.err.write(`ERROR: computer account ${key}$ of host ${host} (school ${args.school}) not found in AD\n`);
      exit = 1;
    }
  }
  return finish(exit);
}

module.exports = { main, parseArgs };
