#!/usr/bin/env node
// `node scripts/mutation-survivors.mjs [group ...] [--summary]`: reads
// reports/mutation/<group>.json (written by `npm run mutate`) and prints every
// mutant no test detected, one line each (module:line, status, mutator, the
// source line and the replacement), or with --summary one row per module in the
// Markdown table docs/testing.md uses.
import { existsSync, readFileSync } from 'node:fs';
import { groups } from './mutation-groups.mjs';

const args = process.argv.slice(2);
const summary = args.includes('--summary');
const named = args.filter((arg) => !arg.startsWith('-'));
const chosen = named.length > 0 ? named : Object.keys(groups);
const undetected = new Set(['Survived', 'NoCoverage']);

for (const name of chosen) {
  const file = `reports/mutation/${name}.json`;
  if (!existsSync(file)) {
    console.error(`${file}: not found (run npm run mutate -- ${name})`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  for (const [module, { mutants, source }] of Object.entries(report.files)) {
    if (summary) console.log(summaryRow(module, mutants));
    else for (const mutant of mutants.filter((m) => undetected.has(m.status))) console.log(describe(module, source, mutant));
  }
}

function summaryRow(module, mutants) {
  const count = (status) => mutants.filter((m) => m.status === status).length;
  const [killed, timeout, survived, noCoverage] = ['Killed', 'Timeout', 'Survived', 'NoCoverage'].map(count);
  const valid = killed + timeout + survived + noCoverage;
  const score = valid === 0 ? 100 : ((killed + timeout) / valid) * 100;
  return `| \`${module}\` | ${valid} | ${killed} | ${timeout} | ${survived} | ${noCoverage} | ${score.toFixed(1)} % |`;
}

function describe(module, source, mutant) {
  const line = mutant.location.start.line;
  const code = source.split('\n')[line - 1].trim().slice(0, 100);
  const replacement = (mutant.replacement ?? '').replace(/\s+/g, ' ').slice(0, 60);
  const status = mutant.status === 'NoCoverage' ? 'no-coverage' : 'survived';
  return `${module}:${line} ${status} ${mutant.mutatorName} :: ${code} => ${replacement}`;
}
