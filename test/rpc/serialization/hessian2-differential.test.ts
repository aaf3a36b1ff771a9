import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import hessian from 'hessian.js';
import { Hessian2Decoder } from '../../../rpc/serialization/hessian2-decoder.js';
import { Hessian2Encoder } from '../../../rpc/serialization/hessian2-encoder.js';
import { Hessian2Writer } from '../../../rpc/serialization/hessian2-writer.js';
import { randomBytes, seededRandom } from '../protocol/seeded-random.js';

const CASES = 600;
type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

const STRING_LENGTHS = [0, 1, 31, 32, 1023, 1024, 0x8000, 0x8001, 70_000];

function randomString(random: Random): string {
  const length = random() < 0.9 ? Math.floor(random() * 40) : pick(random, STRING_LENGTHS);
  const alphabet = random() < 0.6 ? 'abcXYZ09._' : 'aé中\u{1F600}\u07ffz';
  let out = '';
  while (out.length < length) out += pick(random, [...alphabet]);
  // Never end on half a surrogate pair.
  return out.length > length && /[\ud800-\udbff]$/.test(out.slice(0, length)) ? out.slice(0, length - 1) : out.slice(0, length);
}

/** No double beyond 2^53: hessian.js writes those (all whole numbers) as a long, saturated (see the last test). */
const NUMBERS = [0, 1, -1, -16, 47, 48, -2048, 2047, 2048, -262144, 262143, 262144, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1), 0.5, -127.25, 1e-7, 3.25159, 12.001, 65.535, 1.5e-300];

/** A value hessian.js writes correctly (no NaN, no unsafe integers), nested to `depth`. */
function randomValue(random: Random, depth: number, shared: object[]): unknown {
  const kind = Math.floor(random() * (depth > 3 ? 7 : 13));
  switch (kind) {
    case 0:
      return randomString(random);
    case 1:
      return pick(random, NUMBERS);
    case 2:
      return Math.floor(random() * 2 ** 40) - 2 ** 39;
    case 3:
      return random() < 0.5;
    case 4:
      return null;
    case 5:
      return new Date(Math.floor(random() * 4e12) - 2e12);
    case 6:
      return randomBytes(random, random() < 0.8 ? Math.floor(random() * 40) : pick(random, [1023, 1024, 4093, 4094, 9000]));
    case 7:
      return Array.from({ length: Math.floor(random() * 10) }, () => randomValue(random, depth + 1, shared));
    case 8: {
      const map: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 6); i > 0; i--) map[randomString(random) || 'k'] = randomValue(random, depth + 1, shared);
      return map;
    }
    case 9:
      return { $class: pick(random, ['org.example.Point', 'org.example.Order', 'com.x.Y']), $: { x: pick(random, NUMBERS), label: randomString(random), inner: randomValue(random, depth + 1, shared) } };
    case 10:
      return pick(random, [
        { $class: '[int', $: [1, -2, 2 ** 31 - 1] },
        { $class: '[string', $: ['a', null, 'é'] },
        { $class: 'java.util.List', $: [1, 'b'] },
        { $class: '[long', $: [] },
      ]);
    case 11: {
      // An object shared by identity: both encoders write a reference the second time.
      if (shared.length > 0 && random() < 0.6) return pick(random, shared);
      const item = [randomString(random), pick(random, NUMBERS)];
      shared.push(item);
      return item;
    }
    default:
      return { $class: 'long', $: pick(random, ['9007199254740993', '-9223372036854775808', '9223372036854775807', '12']) };
  }
}

const writer = new Hessian2Writer();
const encoder = new Hessian2Encoder(writer);

function ourBytes(value: unknown): Buffer {
  writer.reset();
  encoder.begin();
  encoder.write(value);
  return writer.copy();
}

/** hessian.js gives a long beyond 2^53 as its decimal text; ours a bigint: compare them as text. */
function bigintsAsText(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value)) return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(bigintsAsText(item, seen));
    return out;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const key of Object.keys(value)) out[key] = bigintsAsText((value as Record<string, unknown>)[key], seen);
  return out;
}

describe('hessian2 decoder and encoder against hessian.js', () => {
  it('decodes what hessian.js encoded into the values hessian.js decodes', () => {
    const random = seededRandom(31);
    for (let i = 0; i < CASES; i++) {
      const value = randomValue(random, 0, []);
      const bytes = hessian.encode(value, '2.0');
      const theirs = hessian.decode(bytes, '2.0');
      const decoder = new Hessian2Decoder(bytes);
      const ours = decoder.read();
      assert.equal(decoder.pos, bytes.length, `case ${i}: whole value read`);
      assert.deepEqual(bigintsAsText(ours), theirs, `case ${i}`);
    }
  });

  it('writes the bytes hessian.js writes for the same values', () => {
    const random = seededRandom(32);
    for (let i = 0; i < CASES; i++) {
      const value = randomValue(random, 0, []);
      assert.deepEqual(ourBytes(value), hessian.encode(value, '2.0'), `case ${i}`);
    }
  });

  it('reads back what it writes, identical to the value sent', () => {
    const random = seededRandom(33);
    for (let i = 0; i < CASES; i++) {
      const value = randomValue(random, 0, []);
      const back = new Hessian2Decoder(ourBytes(value)).read();
      assert.deepEqual(back, bigintsBack(hessian.decode(hessian.encode(value, '2.0'), '2.0'), back), `case ${i}`);
    }
  });

  it('differs where hessian.js is wrong: big doubles, NaN', () => {
    // hessian.js writes 1e300 as the long 2^63-1 and NaN as null; Hessian2Output writes both as doubles.
    assert.equal(hessian.decode(hessian.encode(1e300, '2.0'), '2.0'), '9223372036854775807');
    assert.equal(new Hessian2Decoder(ourBytes(1e300)).read(), 1e300);
    assert.ok(Number.isNaN(new Hessian2Decoder(ourBytes(Number.NaN)).read()));
  });
});

/** The hessian.js decoding with its long texts turned into the bigints ours gives, for the same shape. */
function bigintsBack(theirs: unknown, ours: unknown): unknown {
  if (typeof ours === 'bigint') return BigInt(theirs as string);
  if (theirs === null || typeof theirs !== 'object' || theirs instanceof Date || Buffer.isBuffer(theirs)) return theirs;
  if (Array.isArray(theirs)) return theirs.map((item, i) => bigintsBack(item, (ours as unknown[])[i]));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(theirs)) out[key] = bigintsBack((theirs as Record<string, unknown>)[key], (ours as Record<string, unknown>)[key]);
  return out;
}
