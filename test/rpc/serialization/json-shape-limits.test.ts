/**
 * JsonShapeLimits on its own: the exact depth and count boundaries, strings
 * (with escaped quotes) not counted, counts kept across the lines of one body,
 * and the short-body shortcut never letting a too-deep value through.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRpcError } from '../../../common/rpc-error.js';
import { endOfString, JsonShapeLimits, MAX_JSON_CONTAINERS, MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../../../rpc/serialization/json-shape-limits.js';

const refused = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (err) => isRpcError(err, ErrorCode.SERIALIZATION) && message.test(err.message), String(message));

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

describe('JsonShapeLimits', () => {
  it('accepts nesting of exactly MAX_JSON_DEPTH and refuses one level more, arrays and objects alike', () => {
    assert.equal(MAX_JSON_DEPTH, 100);
    // One more array beside the deepest one, so the line holds more brackets than the limit and is scanned.
    new JsonShapeLimits(1000).check(`[${nested(MAX_JSON_DEPTH - 1)},[]]`);
    refused(() => new JsonShapeLimits(1000).check(`[${nested(MAX_JSON_DEPTH)},[]]`), /^JSON body nested deeper than 100 levels$/);
    refused(() => new JsonShapeLimits(1000).check(nested(MAX_JSON_DEPTH + 1)), /^JSON body nested deeper than 100 levels$/);
    new JsonShapeLimits(1000).check(nestedObjects(MAX_JSON_DEPTH));
    refused(() => new JsonShapeLimits(1000).check(nestedObjects(MAX_JSON_DEPTH + 1)), /nested deeper than 100/);
  });

  it('counts depth, not brackets: many shallow arrays and objects pass', () => {
    new JsonShapeLimits(1000).check(`[${'[],'.repeat(300)}[]]`);
    new JsonShapeLimits(1000).check(`[${'{},'.repeat(300)}{}]`);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const inString = `["${'['.repeat(500)}\\"${'{'.repeat(500)}"]`;
    new JsonShapeLimits(inString.length).check(inString);
    assert.equal(endOfString('"a\\"b"', 0), 5);
    assert.equal(endOfString('"a\\\\"b', 0), 4, 'an escaped backslash does not escape the quote');
    assert.equal(endOfString('"open', 0), 5, 'an unclosed string runs to the end');
  });

  it('refuses a body with more than MAX_JSON_CONTAINERS arrays, counted across its lines', () => {
    const half = `[${'[],'.repeat(MAX_JSON_CONTAINERS / 2 - 2)}[]]`; // MAX/2 containers
    const limits = new JsonShapeLimits(4 * half.length);
    limits.check(half);
    limits.check(half);
    refused(() => limits.check('[[],[]]'.padEnd(2 * MAX_JSON_DEPTH + 1, ' ')), /^JSON body holding more than 131072 arrays and objects$/);
  });

  it('refuses a body with more than MAX_JSON_VALUES values, and accepts exactly that many separators', () => {
    const line = `[{}${',0'.repeat(MAX_JSON_VALUES)}]`; // MAX + 1 values, MAX separators
    new JsonShapeLimits(line.length).check(line);
    const over = `[{}${',0'.repeat(MAX_JSON_VALUES + 1)}]`;
    refused(() => new JsonShapeLimits(over.length).check(over), /^JSON body holding more than 524288 values$/);
  });

  it('accepts exactly MAX_JSON_CONTAINERS arrays and MAX_JSON_VALUES separators when strings make it count them one by one', () => {
    // The bracket or comma in the string lifts the quick count past the limit; the exact count stays at it.
    const arrays = `[${'[],'.repeat(MAX_JSON_CONTAINERS - 2)}[],"["]`;
    new JsonShapeLimits(arrays.length).check(arrays);
    refused(() => new JsonShapeLimits(arrays.length).check(`[[],${arrays.slice(1)}`), /^JSON body holding more than 131072 arrays and objects$/);
    const values = `["x,"${',10'.repeat(MAX_JSON_VALUES)}]`;
    new JsonShapeLimits(values.length).check(values);
    refused(() => new JsonShapeLimits(values.length).check(`[0,${values.slice(1)}`), /^JSON body holding more than 524288 values$/);
  });

  it('charges a line the quick counts of its brackets and commas, strings included, when they stay within the limits', () => {
    // Each first line's quick count is exactly the limit (all of it inside a string): it is charged
    // in full, so one more value or array on a later line is refused.
    const values = new JsonShapeLimits(4 * MAX_JSON_VALUES);
    values.check(`["${','.repeat(MAX_JSON_VALUES)}"]`);
    refused(() => values.check('[0,0]'), /^JSON body holding more than 524288 values$/);
    const containers = new JsonShapeLimits(4 * MAX_JSON_CONTAINERS);
    containers.check(`["${'['.repeat(MAX_JSON_CONTAINERS / 2)}${'{'.repeat(MAX_JSON_CONTAINERS / 2 - 1)}"]`);
    refused(() => containers.check('{}'), /^JSON body holding more than 131072 arrays and objects$/);
  });

  it('charges the values of a line within the counts once, also when its brackets call for the depth scan', () => {
    const line = `[${'[],'.repeat(200)}${'0,'.repeat(MAX_JSON_VALUES / 2)}0]`; // 201 arrays, MAX/2 + 200 separators
    new JsonShapeLimits(4 * line.length).check(line);
  });

  it('counts the short lines of a large body too', () => {
    // 67 arrays in 199 characters: 1 957 such lines hold more than MAX_JSON_CONTAINERS.
    const line = `[${'[],'.repeat(65)}[]]`;
    const limits = new JsonShapeLimits(2000 * (line.length + 1));
    for (let i = 0; i < 1956; i++) limits.check(line);
    refused(() => limits.check(line), /^JSON body holding more than 131072 arrays and objects$/);
  });

  it('leaves lines of at most 2 × MAX_JSON_DEPTH characters to JSON.parse for depth: no valid value in them nests deeper', () => {
    const unclosed = '['.repeat(MAX_JSON_DEPTH + 1);
    new JsonShapeLimits(1000).check(unclosed.padEnd(2 * MAX_JSON_DEPTH, ' '));
    refused(() => new JsonShapeLimits(1000).check(unclosed.padEnd(2 * MAX_JSON_DEPTH + 1, ' ')), /^JSON body nested deeper than 100 levels$/);
  });

  it('counts values across the lines of one body', () => {
    const line = `[${'0,'.repeat(MAX_JSON_VALUES / 2 + 1)}0]`;
    const limits = new JsonShapeLimits(4 * line.length);
    limits.check(line);
    refused(() => limits.check(line), /more than 524288 values/);
  });

  it('skips the counts for bodies too short to exceed them', () => {
    const line = `[${'[],'.repeat(1000)}[]]`;
    const limits = new JsonShapeLimits(3 * MAX_JSON_CONTAINERS);
    // Each container takes at least 3 characters, so a body of 3 × MAX_JSON_CONTAINERS characters
    // cannot hold too many: its lines are not counted (here they claim more than the body holds).
    for (let i = 0; i < 200; i++) limits.check(line);
  });
});
