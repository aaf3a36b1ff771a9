#!/usr/bin/env node
// `npm run mutate [-- group ... [-- stryker options]]`: runs StrykerJS once per
// mutation group (all groups when none is named), one after the other, each
// against only the test files that cover it (scripts/mutation-groups.mjs).
// Reports land in reports/mutation/<group>.{json,html}. Not part of CI: the
// full run takes hours on a 2-core machine (docs/testing.md).
import { spawnSync } from 'node:child_process';
import { groups } from './mutation-groups.mjs';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const named = split === -1 ? args.filter((arg) => !arg.startsWith('-')) : args.slice(0, split);
const passThrough = split === -1 ? args.filter((arg) => arg.startsWith('-')) : args.slice(split + 1);
const chosen = named.length > 0 ? named : Object.keys(groups);

for (const name of chosen) {
  if (!groups[name]) {
    console.error(`unknown group ${name}; one of ${Object.keys(groups).join(', ')}`);
    process.exit(2);
  }
}
let failed = 0;
for (const name of chosen) {
  console.log(`\n=== mutation group ${name}: ${groups[name].mutate.join(' ')}`);
  const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs', ...passThrough], {
    stdio: 'inherit',
    env: { ...process.env, MUTATION_GROUP: name },
  });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
