// Mutation testing with StrykerJS (https://stryker-mutator.io/docs/stryker-js/configuration/).
//
// The tests run on node:test over the compiled dist/. The TypeScript sources
// are instrumented once (every mutant behind a switch) and `buildCommand`
// compiles the sandbox once. The tap runner
// (https://stryker-mutator.io/docs/stryker-js/tap-runner/) runs each test file
// of the group as its own `node --test-reporter=tap <file>` process, records
// which mutants each file reaches (coverageAnalysis 'perTest': one "test" per
// file), and then runs every mutant against only the files that reach it,
// stopping at the first failing file. A mutant no file reaches is reported as
// "NoCoverage" without running anything.
//
// Each group lists the test files that cover its modules, so that the dry
// run stays short: MUTATION_GROUP picks one (scripts/mutate.mjs runs them in
// turn); see docs/testing.md for run times and the last report.
import { groups } from './scripts/mutation-groups.mjs';

// Instrumented code runs several times slower: the hostile-input tests' wall-clock bounds
// ("refused within 2 s") are widened thirtyfold (test/time-bound.ts). The test runner processes
// inherit this environment.
process.env.TEST_TIME_SCALE ??= '30';

const name = process.env.MUTATION_GROUP ?? 'exchange';
const group = groups[name];
if (!group) throw new Error(`unknown MUTATION_GROUP ${name}; one of ${Object.keys(groups).join(', ')}`);

const testFiles = group.tests.map((file) => `dist/${file.replace(/\.ts$/, '.js')}`);
// The tap runner reports the mutants its own test processes reached even with coverage analysis
// 'off' (an empty static map counts as coverage for Stryker's planner), so a mutant reached only in
// a process the test forks would be "NoCoverage" without ever running. A group without coverage
// analysis therefore runs on the command runner, which reports no coverage: every mutant runs all
// of the group's files (https://stryker-mutator.io/docs/stryker-js/configuration/#commandrunner-object).
const withCoverage = (group.coverageAnalysis ?? 'perTest') !== 'off';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: withCoverage ? 'tap' : 'command',
  tap: {
    testFiles,
    nodeArgs: ['--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
  },
  commandRunner: { command: `node --test --test-concurrency=1 --test-reporter=dot ${testFiles.join(' ')}` },
  buildCommand: 'npx tsc -p tsconfig.json',
  // Stryker rewrites a tsconfig's `extends`/`references` through the TypeScript JS API, which
  // TypeScript 7 no longer ships; ours has neither, so no tsconfig is handed to that step.
  tsconfigFile: '',
  // A group may turn coverage analysis off (server-workers: code that runs in forked processes).
  coverageAnalysis: group.coverageAnalysis ?? 'perTest',
  mutate: group.mutate,
  ignorePatterns: ['dist', 'reports', 'bench/results', '.tmp', '*.cpuprofile', '*.heapsnapshot'],
  // A mutant that hangs a test is killed by the runner after this long (counted as detected, "Timeout").
  timeoutMS: 10_000,
  timeoutFactor: 1.5,
  concurrency: 1,
  // `// @ts-nocheck` goes only into the source folders (instrumented code need not type-check);
  // elsewhere it would change files tests compare byte for byte (examples/protobuf/greeter.ts).
  disableTypeChecks: '{common,rpc,transport,registry}/**/*.ts',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 90, low: 85, break: null },
};
