// Mutation testing with StrykerJS (https://stryker-mutator.io/docs/stryker-js/configuration/).
//
// The tests run on node:test over the compiled dist/, so Stryker uses its
// command runner: the TypeScript sources are instrumented once (every mutant
// behind a switch), `buildCommand` compiles the sandbox once, and the command
// runs the test files that cover the mutated module with the active mutant
// chosen by the __STRYKER_ACTIVE_MUTANT__ environment variable
// (https://stryker-mutator.io/docs/stryker-js/command-runner/).
//
// The command runner has no per-test coverage, so every mutant runs every test
// file of its command: the modules are split into groups, each with only the
// test files that cover it. MUTATION_GROUP picks one (scripts/mutate.mjs runs
// them in turn); see docs/testing.md for run times and the last report.
import { groups } from './scripts/mutation-groups.mjs';

const name = process.env.MUTATION_GROUP ?? 'exchange';
const group = groups[name];
if (!group) throw new Error(`unknown MUTATION_GROUP ${name}; one of ${Object.keys(groups).join(', ')}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'command',
  commandRunner: {
    // One file at a time keeps the loopback tests' timing bounds honest on a loaded machine.
    command: `node --test --test-concurrency=1 --test-timeout=60000 ${group.tests.map((file) => `dist/${file.replace(/\.ts$/, '.js')}`).join(' ')}`,
  },
  buildCommand: 'npx tsc -p tsconfig.json',
  // Stryker rewrites a tsconfig's `extends`/`references` through the TypeScript JS API, which
  // TypeScript 7 no longer ships; ours has neither, so no tsconfig is handed to that step.
  tsconfigFile: '',
  coverageAnalysis: 'off',
  mutate: group.mutate,
  ignorePatterns: ['dist', 'reports', 'bench/results', '.tmp', '*.cpuprofile', '*.heapsnapshot'],
  // A mutant that hangs a test is killed by the runner after this long (counted as detected, "Timeout").
  timeoutMS: 10_000,
  timeoutFactor: 1.5,
  concurrency: 1,
  disableTypeChecks: true,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 90, low: 85, break: null },
};
