/**
 * The Redis 7 ACL of a DC's worker as docs/OPERATIONS.md tells an admin to set it: read and ACK its
 * own stream keys, append (only append) dead letters, nothing else. One copy for every test that
 * creates such a user.
 */
export function workerAclRules(password: string, streams: string[], deadLetterStream: string): string[] {
  return [
    'reset',
    'on',
    `>${password}`,
    ...streams.map((key) => `~${key}`),
    `%W~${deadLetterStream}`,
    'resetchannels',
    '+xreadgroup',
    '+xack',
    '+xautoclaim',
    '+xpending',
    '+xgroup|create',
    '+xinfo|groups',
    '+xadd',
    '+ping',
    '+info',
    '+select',
    '+client|setname',
  ];
}
