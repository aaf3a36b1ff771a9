/**
 * Bounds on what one json body may make `JSON.parse` build, checked on the
 * text before it is parsed: nesting depth, and for large bodies the number of
 * arrays/objects and of values. `JSON.parse` itself never overflows the stack
 * (V8 parses iteratively), but 8 MiB of `[],[],…` builds 2.8 million arrays
 * in about 0.5 s of one event-loop turn and 115 MB, and 4 million nested
 * arrays take 1.5 s. The counts match the hessian2 decoder's defaults
 * (docs/rpc.md, "Limits").
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';

/** Deepest nesting of arrays and objects in one value (as protobufjs's recursion limit). */
export const MAX_JSON_DEPTH = 100;
/** Most arrays and objects in one body. */
export const MAX_JSON_CONTAINERS = 131_072;
/** Most values (array elements and object members, counted by their separators) in one body. */
export const MAX_JSON_VALUES = 524_288;
/**
 * A body of at most this many characters cannot exceed the two counts: an
 * array or object takes at least 3 characters (`[],`) and a value 2 (`0,`).
 */
const COUNTS_NEED_CHARS = 3 * MAX_JSON_CONTAINERS;

/** The limits for one body; `check` each line before parsing it. Throws RpcError SERIALIZATION. */
export class JsonShapeLimits {
  private containers = 0;
  private values = 0;
  private readonly countAll: boolean;

  constructor(bodyChars: number) {
    this.countAll = bodyChars > COUNTS_NEED_CHARS;
  }

  check(line: string): void {
    // Every line counts, short ones too: a descriptor of 40 000 parameters and as many
    // 200-character argument lines would otherwise bring 2.7 million arrays in uncounted.
    if (this.countAll && !this.withinCounts(line)) {
      this.scan(line);
      return;
    }
    // A valid value nested deeper than the limit holds more than MAX_JSON_DEPTH opening brackets
    // and as many closing ones, so more than 2 × MAX_JSON_DEPTH characters.
    if (line.length <= 2 * MAX_JSON_DEPTH) return;
    if (countUpTo(line, '[', MAX_JSON_DEPTH) + countUpTo(line, '{', MAX_JSON_DEPTH) > MAX_JSON_DEPTH) this.scan(line, false);
  }

  /**
   * Adds upper bounds of the line's counts (its '[', '{' and ',' anywhere,
   * inside strings too, counted with native indexOf) when they stay within
   * the limits; false when they might not, so the exact scan decides.
   */
  private withinCounts(line: string): boolean {
    const values = countUpTo(line, ',', MAX_JSON_VALUES - this.values);
    if (this.values + values > MAX_JSON_VALUES) return false;
    const containerRoom = MAX_JSON_CONTAINERS - this.containers;
    const containers = countUpTo(line, '[', containerRoom) + countUpTo(line, '{', containerRoom);
    if (this.containers + containers > MAX_JSON_CONTAINERS) return false;
    this.values += values;
    this.containers += containers;
    return true;
  }

  /** One pass over the characters, skipping strings: the depth, and (`count`) the containers and values. */
  private scan(line: string, count = true): void {
    let depth = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x22) {
        i = endOfString(line, i);
      } else if (c === 0x5b || c === 0x7b) {
        if (++depth > MAX_JSON_DEPTH) throw tooMuch(`nested deeper than ${MAX_JSON_DEPTH} levels`);
        if (count && ++this.containers > MAX_JSON_CONTAINERS) throw tooMuch(`holding more than ${MAX_JSON_CONTAINERS} arrays and objects`);
      } else if (c === 0x5d || c === 0x7d) {
        depth--;
      } else if (c === 0x2c) {
        if (count && ++this.values > MAX_JSON_VALUES) throw tooMuch(`holding more than ${MAX_JSON_VALUES} values`);
      }
    }
  }
}

function tooMuch(what: string): RpcError {
  return new RpcError(ErrorCode.SERIALIZATION, `JSON body ${what}`);
}

/**
 * How many times `char` occurs in `line`, counting no further than `limit` + 1.
 * Native indexOf per occurrence: about 0.1 µs for the brackets of a 700-byte
 * line against 3–5 µs for JSON.parse of it.
 */
function countUpTo(line: string, char: string, limit: number): number {
  let count = 0;
  for (let i = line.indexOf(char); i >= 0 && count <= limit; i = line.indexOf(char, i + 1)) count++;
  return count;
}

/**
 * Index of the quote closing the string that opens at `start` (or the line's
 * end): the next quote not escaped, i.e. not after an odd run of backslashes.
 * Native indexOf jumps, so long strings cost little.
 */
export function endOfString(line: string, start: number): number {
  for (let quote = line.indexOf('"', start + 1); quote >= 0; quote = line.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (line.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return line.length;
}
