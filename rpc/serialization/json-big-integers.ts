/**
 * Integers beyond ±(2^53−1) in JSON text, both ways, for the json
 * serialization: Java longs arrive as bare JSON integers (fastjson writes
 * them so), and `JSON.parse` on Node 20 would round them to the nearest double
 * without a word. Here they become `bigint`s (as hessian2 longs beyond 2^53
 * do, docs/rpc.md); integers within the safe range stay numbers. A bigint is
 * written as a bare integer.
 *
 * Both directions go through a marked string: `JSON.stringify` cannot write a
 * bigint, and `JSON.parse` gives its reviver only the rounded number. The mark
 * holds a random part chosen per process, so text a peer sends cannot pose as
 * one.
 */
import { endOfString } from './json-shape-limits.js';

// Web Crypto (a global in Node >= 19 and in browsers), so the browser bundle needs no node:crypto.
const MARK = `\u0000bigint-${Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(6))).toString('hex')}:`;
/** The mark as JSON.stringify escapes it, and the marked strings in its output. */
const MARK_JSON = JSON.stringify(MARK).slice(1, -1);
const MARKED_IN_JSON = new RegExp(`"${MARK_JSON.replaceAll('\\', '\\\\')}(-?\\d+)"`, 'g');

/** The marked string a replacer returns for `value`. */
export function markBigInt(value: bigint): string {
  return MARK + value.toString();
}

/** `text` (JSON.stringify output) with every marked string turned back into its bare integer. */
export function unmarkBigInts(text: string): string {
  return text.includes(MARK_JSON) ? text.replace(MARKED_IN_JSON, '$1') : text;
}

/**
 * `JSON.parse(line)`, except that an integer beyond ±(2^53−1) becomes a
 * bigint. The parsed value is walked once for a whole number that is not a
 * safe integer (≈ 0.3 µs for a 700-byte object, a tenth of the parse; a regex
 * for a 16-digit run over the text cost four times that); only then is the
 * line parsed again from its text with those integers marked.
 */
export function parseJsonKeepingIntegers(line: string): unknown {
  const value: unknown = JSON.parse(line);
  if (!hasUnsafeInteger(value)) return value;
  const marked = markLongIntegers(line);
  return marked === line ? value : JSON.parse(marked, reviveMarked);
}

/** Whether a whole number beyond ±(2^53−1) is anywhere in `value` (a JSON.parse result, depth bounded by its caller). */
function hasUnsafeInteger(value: unknown): boolean {
  // Infinity too: an integer of more than 308 digits (a Java BigInteger) overflows the double.
  if (typeof value === 'number') return Number.isInteger(value) ? !Number.isSafeInteger(value) : !Number.isFinite(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasUnsafeInteger(value[i])) return true;
    return false;
  }
  for (const key in value) if (hasUnsafeInteger((value as Record<string, unknown>)[key])) return true;
  return false;
}

function reviveMarked(_key: string, value: unknown): unknown {
  return typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Quotes (with the mark) each integer token outside strings that is not a safe integer; other text as it is. */
function markLongIntegers(line: string): string {
  let out = '';
  let copied = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x22) {
      i = endOfString(line, i);
      continue;
    }
    if (c !== 0x2d && !isDigit(c)) continue;
    let end = i + 1;
    while (end < line.length && isDigit(line.charCodeAt(end))) end++;
    const next = line.charCodeAt(end);
    if (next === 0x2e || next === 0x65 || next === 0x45) {
      // A fraction or an exponent: a double, left to JSON.parse.
      while (end < line.length && /[\d.eE+-]/.test(line[end]!)) end++;
    } else if (end - i >= 16 && !Number.isSafeInteger(Number(line.slice(i, end)))) {
      out += `${line.slice(copied, i)}"${MARK_JSON}${line.slice(i, end)}"`;
      copied = end;
    }
    i = end - 1;
  }
  return out + line.slice(copied);
}
