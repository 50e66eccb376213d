'use strict';
// sophomorix-device --sync (DOMAIN.md §2 "Sync semantics"): make AD computer accounts and DNS A/PTR
// records match the devices files, touching only objects sophomorix created itself.
const { record, newZone } = require('./dc-root');

/** DOMAIN.md §2: reverse zone is always `o3.o2.o1.in-addr.arpa`, the last octet is the node. */
function reverseOf(ip) {
  const o = ip.split('.');
  return { zone: `${o[2]}.${o[1]}.${o[0]}.in-addr.arpa`.toLowerCase(), node: o[3] };
}

const sameData = (a, b) => a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
const keyOf = (zone, node, type, data) =>
  `${zone}|${node.toLowerCase()}|${type}|${data.replace(/\.$/, '').toLowerCase()}`;

function desiredRecords(hosts, domain) {
  const out = [];
  for (const h of hosts) {
    if (h.ip === 'DHCP') continue; // DOMAIN.md §2: `DHCP` gets no DNS record
    out.push({ zone: domain, node: h.name, type: 'A', data: h.ip, owner: h.name });
    const rev = reverseOf(h.ip);
    out.push({ zone: rev.zone, node: rev.node, type: 'PTR', data: `${h.name}.${domain}`, owner: h.name });
  }
  return out;
}

/**
 * Applies the sync to `state` in place. Returns the set of host names whose AD or DNS objects
 * changed (the real run takes 1–3 s per such host, DOMAIN.md §3).
 */
function syncState(state, hosts, domain) {
  const touched = new Set();

  // --- AD computer accounts: only roles with an account, upper-case NAME$ (DOMAIN.md §2)
  const wanted = new Map(hosts.filter((h) => h.hasAccount).map((h) => [h.name.toUpperCase(), h]));
  for (const [key, c] of Object.entries(state.computers)) {
    if (c.by === 'sophomorix' && !wanted.has(key)) {
      delete state.computers[key];
      touched.add(c.dnsName);
    }
  }
  for (const [key, h] of wanted) {
    const existing = state.computers[key];
    if (existing && existing.by !== 'sophomorix') continue; // never touch what an admin made
    const next = {
      name: key,
      sAMAccountName: `${key}$`,
      school: h.school,
      room: h.room,
      role: h.role,
      dnsName: h.name,
      comment: h.comment,
      mac: h.normalMac,
      ip: h.ip,
      group: h.group,
      by: 'sophomorix',
    };
    if (JSON.stringify(existing) !== JSON.stringify(next)) {
      state.computers[key] = next;
      touched.add(h.name);
    }
  }

  // --- DNS: remove sophomorix records nobody wants any more (an IP change drops the old A/PTR)
  const desired = desiredRecords(hosts, domain);
  const desiredKeys = new Set(desired.map((r) => keyOf(r.zone, r.node, r.type, r.data)));
  for (const [zoneName, zone] of Object.entries(state.zones)) {
    for (const [node, records] of Object.entries(zone.nodes)) {
      const keep = records.filter(
        (r) => r.by !== 'sophomorix' || desiredKeys.has(keyOf(zoneName, node, r.type, r.data)),
      );
      for (const r of records) if (!keep.includes(r)) touched.add(r.owner);
      if (keep.length === 0) delete zone.nodes[node];
      else zone.nodes[node] = keep;
    }
  }
  // --- then add what is missing (sophomorix creates a missing reverse zone)
  for (const r of desired) {
    const zone = (state.zones[r.zone] ??= newZone(r.zone, domain, 'sophomorix'));
    const records = (zone.nodes[r.node] ??= []);
    if (records.some((x) => x.type === r.type && sameData(x.data, r.data))) continue;
    records.push(record(r.type, r.data, 'sophomorix', { owner: r.owner }));
    touched.add(r.owner);
  }
  return touched;
}

module.exports = { reverseOf, desiredRecords, syncState, sameData };
