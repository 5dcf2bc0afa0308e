#!/usr/bin/env node
// npm oracle (node-semver, as npm uses it: loose parsing): reads `A<TAB>B` lines and prints
// -1/0/1 (semver.compare), or E when either is not a valid version. With --satisfies, lines
// are `VERSION<TAB>RANGE` and the answer is semver.satisfies as true/false (E when the
// version or the range does not parse). With --strict (the `semver` scheme), versions must
// match the semver.org grammar and compare without loose parsing.
'use strict';
const path = require('path');
let semver;
try {
  semver = require(path.join(__dirname, 'node_modules', 'semver'));
} catch (e) {
  console.error('node-semver is missing: run `npm ci` in scripts/versions (or scripts/versions/setup)');
  process.exit(2);
}
const satisfies = process.argv.includes('--satisfies');
// --strict: Semantic Versioning 2.0 exactly (the semver.org grammar), for the `semver` scheme.
const strict = process.argv.includes('--strict');
const SEMVER2 = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const opts = strict ? {} : { loose: true };
const valid = (v) => (strict && !SEMVER2.test(v)) ? null : semver.valid(v, opts);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const lines = input.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out = [];
  for (const line of lines) {
    const i = line.indexOf('\t');
    const a = line.slice(0, i);
    const b = line.slice(i + 1);
    try {
      if (valid(a) === null) { out.push('E'); continue; }
      if (satisfies) {
        if (semver.validRange(b, opts) === null) { out.push('E'); continue; }
        out.push(semver.satisfies(a, b, opts) ? 'true' : 'false');
      } else {
        if (valid(b) === null) { out.push('E'); continue; }
        out.push(String(semver.compare(a, b, opts)));
      }
    } catch (e) {
      out.push('E');
    }
  }
  process.stdout.write(out.map((l) => l + '\n').join(''));
});
