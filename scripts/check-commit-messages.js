#!/usr/bin/env node
// Commit messages follow docs/DEVELOPMENT.md "Commits": a subject of at most 72 characters, and when
// there is a body, one blank line between subject and body.
//
//   node scripts/check-commit-messages.js            every commit since RULE_SINCE (CI runs this)
//   node scripts/check-commit-messages.js REV..REV   a range
//   node scripts/check-commit-messages.js --file F   one message file (the commit-msg hook)
//
// The rule holds for the commits after RULE_SINCE (the merge of the branches begun before the rule);
// the history before it is left as it was written.
'use strict';
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');

const RULE_SINCE = 'b8f5007';
const MAX_SUBJECT = 72;

/** Problems of one message (text as git stores it; `#` comment lines already removed). */
function problems(message) {
  const lines = message.replace(/\s+$/, '').split('\n');
  const found = [];
  const subject = lines[0] ?? '';
  const length = [...subject].length; // characters, not bytes: "—" is one
  if (subject.trim() === '') found.push('empty subject');
  if (length > MAX_SUBJECT) found.push(`subject has ${length} characters (at most ${MAX_SUBJECT})`);
  if (lines.length > 1 && lines[1].trim() !== '') found.push('no blank line between subject and body');
  return found;
}

function git(...args) {
  return execFileSync('git', args, { encoding: 'utf8' });
}

function messagesOf(range) {
  const raw = git('log', '--format=%h%x00%B%x01', range);
  return raw
    .split('\x01')
    .map((entry) => entry.replace(/^\n/, ''))
    .filter((entry) => entry.includes('\x00'))
    .map((entry) => {
      const [sha, body] = entry.split('\x00');
      return { sha, body };
    });
}

function main(argv) {
  if (argv[0] === '--file') {
    const text = readFileSync(argv[1], 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    const found = problems(text);
    for (const p of found) console.error(`commit message: ${p}`);
    return found.length === 0 ? 0 : 1;
  }
  let range = argv[0];
  if (!range) {
    try {
      git('cat-file', '-e', `${RULE_SINCE}^{commit}`);
    } catch {
      // a tarball or a shallow clone has no history to check; say so instead of failing the build
      console.warn(`commit messages NOT checked: ${RULE_SINCE} (where the rule starts) is not in this checkout`);
      return 0;
    }
    range = `${RULE_SINCE}..HEAD`;
  }
  let bad = 0;
  const commits = messagesOf(range);
  for (const { sha, body } of commits) {
    for (const p of problems(body)) {
      console.error(`${sha}: ${p}: ${body.split('\n')[0]}`);
      bad++;
    }
  }
  console.log(`${commits.length} commit message(s) checked in ${range}, ${bad} problem(s)`);
  return bad === 0 ? 0 : 1;
}

module.exports = { problems };
if (require.main === module) process.exitCode = main(process.argv.slice(2));
