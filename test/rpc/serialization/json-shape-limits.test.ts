/**
 * JsonShapeLimits on its own, under small configured limits (depth 5, 20
 * arrays and objects, 50 values) so that every boundary is a short text: the
 * exact depth and count boundaries, strings (with escaped quotes) not counted,
 * counts kept across the lines of one body, the short-body shortcut, and
 * configureJson's validation. The defaults are pinned once, at the end.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { configureJson, DEFAULT_JSON_LIMITS, endOfString, JsonShapeLimits, jsonLimits } from '../../../rpc/serialization/json-shape-limits.js';

const refused = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (err) => isRpcError(err, ErrorCode.SERIALIZATION) && message.test(err.message), String(message));

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

const DEPTH = 5;
const CONTAINERS = 20;
const VALUES = 50;
/** Below this body length the counts cannot be exceeded: 2 × the smaller count. */
const COUNTS_NEED_CHARS = 2 * CONTAINERS;

/** Checks `line` as the only line of a body of `bodyChars` characters (its own length by default). */
const checkOne = (line: string, bodyChars = line.length) => new JsonShapeLimits(bodyChars).check(line);

describe('JsonShapeLimits (configured small)', () => {
  beforeEach(() => configureJson({ maxDepth: DEPTH, maxContainers: CONTAINERS, maxValues: VALUES }));
  afterEach(() => configureJson(DEFAULT_JSON_LIMITS));

  it('accepts nesting of exactly maxDepth and refuses one level more, arrays and objects alike', () => {
    // One more array beside the deepest one, so the line holds more brackets than the limit and is scanned.
    checkOne(`[${nested(DEPTH - 1)},[]]`);
    refused(() => checkOne(`[${nested(DEPTH)},[]]`), /^JSON body nested deeper than 5 levels$/);
    refused(() => checkOne(nested(DEPTH + 1)), /^JSON body nested deeper than 5 levels$/);
    checkOne(nestedObjects(DEPTH));
    refused(() => checkOne(nestedObjects(DEPTH + 1)), /^JSON body nested deeper than 5 levels$/);
  });

  it('checks the depth also on a line whose counts are taken', () => {
    // A body long enough to be counted; the counts stay within the limits, the depth does not.
    refused(() => checkOne(`[${nested(DEPTH)},[]]`, 1000), /^JSON body nested deeper than 5 levels$/);
    checkOne(`[${nested(DEPTH - 1)},[]]`, 1000);
  });

  it('counts depth, not brackets: many shallow arrays and objects pass', () => {
    checkOne(`[${'[],'.repeat(12)}[]]`);
    checkOne(`[${'{},'.repeat(12)}{}]`);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const inString = `["${'['.repeat(30)}\\"${'{'.repeat(30)}"]`;
    checkOne(inString);
    checkOne(inString, 1000);
    assert.equal(endOfString('"a\\"b"', 0), 5);
    assert.equal(endOfString('"a\\\\"b', 0), 4, 'an escaped backslash does not escape the quote');
    assert.equal(endOfString('"open', 0), 5, 'an unclosed string runs to the end');
  });

  it('refuses a body with more than maxContainers arrays, counted across its lines', () => {
    const half = `[${'[],'.repeat(CONTAINERS / 2 - 2)}[]]`; // CONTAINERS/2 containers
    const limits = new JsonShapeLimits(4 * half.length);
    limits.check(half);
    limits.check(half);
    refused(() => limits.check('[[],[]]'.padEnd(2 * DEPTH + 1, ' ')), /^JSON body holding more than 20 arrays and objects$/);
  });

  it('refuses a body with more than maxValues values, and accepts exactly that many separators', () => {
    checkOne(`[{}${',0'.repeat(VALUES)}]`); // VALUES + 1 values, VALUES separators
    refused(() => checkOne(`[{}${',0'.repeat(VALUES + 1)}]`), /^JSON body holding more than 50 values$/);
  });

  it('accepts exactly maxContainers arrays and maxValues separators when strings make it count them one by one', () => {
    // The bracket or comma in the string lifts the quick count past the limit; the exact count stays at it.
    const arrays = `[${'[],'.repeat(CONTAINERS - 2)}[],"["]`;
    checkOne(arrays);
    refused(() => checkOne(`[[],${arrays.slice(1)}`), /^JSON body holding more than 20 arrays and objects$/);
    const values = `["x,"${',10'.repeat(VALUES)}]`;
    checkOne(values);
    refused(() => checkOne(`[0,${values.slice(1)}`), /^JSON body holding more than 50 values$/);
  });

  it('charges a line the quick counts of its brackets and commas, strings included, when they stay within the limits', () => {
    // Each first line's quick count is exactly the limit (all of it inside a string): it is charged
    // in full, so one more value or array on a later line is refused.
    const values = new JsonShapeLimits(4 * VALUES);
    values.check(`["${','.repeat(VALUES)}"]`);
    refused(() => values.check('[0,0]'), /^JSON body holding more than 50 values$/);
    const containers = new JsonShapeLimits(4 * CONTAINERS);
    containers.check(`["${'['.repeat(CONTAINERS / 2)}${'{'.repeat(CONTAINERS / 2 - 1)}"]`);
    refused(() => containers.check('{}'), /^JSON body holding more than 20 arrays and objects$/);
  });

  it('charges the values of a line within the counts once, also when its brackets call for the depth scan', () => {
    const line = `[${'[],'.repeat(DEPTH)}${'0,'.repeat(VALUES / 2)}0]`; // DEPTH + 1 arrays, VALUES/2 + DEPTH separators
    checkOne(line, 4 * line.length);
  });

  it('counts the short lines of a large body too', () => {
    // 3 arrays in 7 characters, a line too short for the depth scan: 7 such lines hold more than 20.
    const line = '[[],[]]';
    const limits = new JsonShapeLimits(1000);
    for (let i = 0; i < 6; i++) limits.check(line);
    refused(() => limits.check(line), /^JSON body holding more than 20 arrays and objects$/);
  });

  it('leaves lines of at most 2 × maxDepth characters to JSON.parse for depth: no valid value in them nests deeper', () => {
    const unclosed = '['.repeat(DEPTH + 1);
    checkOne(unclosed.padEnd(2 * DEPTH, ' '));
    refused(() => checkOne(unclosed.padEnd(2 * DEPTH + 1, ' ')), /^JSON body nested deeper than 5 levels$/);
  });

  it('counts values across the lines of one body', () => {
    const line = `[${'0,'.repeat(VALUES / 2 + 1)}0]`;
    const limits = new JsonShapeLimits(4 * line.length);
    limits.check(line);
    refused(() => limits.check(line), /^JSON body holding more than 50 values$/);
  });

  it('skips the counts for bodies of at most 2 × the smaller count characters, and takes them beyond', () => {
    // Each container takes at least 2 characters and each separator 2, so a body of 2 × 20 characters
    // cannot hold too many: its lines are not counted (here they claim more than the body holds).
    const line = `[${'[],'.repeat(30)}[]]`;
    const short = new JsonShapeLimits(COUNTS_NEED_CHARS);
    for (let i = 0; i < 5; i++) short.check(line);
    refused(() => new JsonShapeLimits(COUNTS_NEED_CHARS + 1).check(line), /^JSON body holding more than 20 arrays and objects$/);
  });

  it('counts a body of nested arrays just longer than 2 × maxContainers characters', () => {
    // 5 lines of 5 nested arrays: 25 arrays in 55 characters, 2.2 characters an array.
    const limits = new JsonShapeLimits(5 * (nested(DEPTH).length + 1));
    for (let i = 0; i < 4; i++) limits.check(nested(DEPTH));
    refused(() => limits.check(nested(DEPTH)), /^JSON body holding more than 20 arrays and objects$/);
  });

  it('takes the shortcut from the values limit when it is the smaller count', () => {
    configureJson({ maxValues: 5 });
    // 6 separators in 15 characters: past 2 × 5, so counted.
    refused(() => checkOne('[0,0,0,0,0,0,0]'), /^JSON body holding more than 5 values$/);
    // 10 characters are not counted (no valid value that short holds 6 separators); 11 are.
    checkOne(','.repeat(10));
    refused(() => checkOne(','.repeat(10), 11), /^JSON body holding more than 5 values$/);
  });

  it('keeps, for a body, the limits it started with', () => {
    const limits = new JsonShapeLimits(1000);
    configureJson({ maxContainers: 1000 });
    limits.check('[[],[],[],[],[],[],[],[],[],[]]');
    refused(() => limits.check('[[],[],[],[],[],[],[],[],[],[]]'), /^JSON body holding more than 20 arrays and objects$/);
    new JsonShapeLimits(1000).check(`[${'[],'.repeat(40)}[]]`);
  });
});

describe('configureJson', () => {
  afterEach(() => configureJson(DEFAULT_JSON_LIMITS));

  it('changes the limits given and keeps the others', () => {
    configureJson({ maxValues: 7 });
    assert.deepEqual(jsonLimits(), { ...DEFAULT_JSON_LIMITS, maxValues: 7 });
    configureJson({ maxDepth: 3, maxContainers: 9 });
    assert.deepEqual(jsonLimits(), { maxDepth: 3, maxContainers: 9, maxValues: 7 });
    configureJson({});
    assert.deepEqual(jsonLimits(), { maxDepth: 3, maxContainers: 9, maxValues: 7 });
  });

  it('refuses a limit that is not a positive integer with INVALID_ARGUMENT, changing nothing', () => {
    for (const name of ['maxDepth', 'maxContainers', 'maxValues'] as const) {
      for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '5' as unknown as number]) {
        assert.throws(
          () => configureJson({ maxDepth: 2, maxContainers: 2, maxValues: 2, [name]: bad }),
          (err) => isRpcError(err, ErrorCode.INVALID_ARGUMENT) && err.message === `${name} must be a positive integer, got ${String(bad)}`,
          `${name} ${String(bad)}`,
        );
        assert.deepEqual(jsonLimits(), DEFAULT_JSON_LIMITS);
      }
    }
    configureJson({ maxDepth: 1, maxContainers: 1, maxValues: 1 });
    assert.deepEqual(jsonLimits(), { maxDepth: 1, maxContainers: 1, maxValues: 1 });
  });
});

describe('JsonShapeLimits defaults', () => {
  it('are depth 100, 131 072 arrays and objects and 524 288 values, counted past 262 144 characters', () => {
    assert.deepEqual(jsonLimits(), { maxDepth: 100, maxContainers: 131_072, maxValues: 524_288 });
    assert.deepEqual(DEFAULT_JSON_LIMITS, jsonLimits());
    refused(() => checkOne(`[${nested(100)},[]]`), /^JSON body nested deeper than 100 levels$/);
    checkOne(`[${nested(99)},[]]`);
    // 2 000 lines of 100 nested arrays (which nobody counts at 262 144 characters) against one more character.
    const line = nested(100);
    const short = new JsonShapeLimits(2 * 131_072);
    for (let i = 0; i < 2000; i++) short.check(line);
    const counted = new JsonShapeLimits(2 * 131_072 + 1);
    for (let i = 0; i < 1310; i++) counted.check(line);
    refused(() => counted.check(line), /^JSON body holding more than 131072 arrays and objects$/);
  });
});
