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
    if (this.countAll) this.scan(line);
    // Nesting deeper than the limit needs more than MAX_JSON_DEPTH opening brackets.
    else if (line.length > 2 * MAX_JSON_DEPTH && !opensAtMost(line, MAX_JSON_DEPTH)) this.scan(line);
  }

  /** One pass over the characters, skipping strings: depth, containers and values. */
  private scan(line: string): void {
    let depth = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x22) {
        i = endOfString(line, i);
      } else if (c === 0x5b || c === 0x7b) {
        if (++depth > MAX_JSON_DEPTH) throw tooMuch(`nested deeper than ${MAX_JSON_DEPTH} levels`);
        if (++this.containers > MAX_JSON_CONTAINERS) throw tooMuch(`holding more than ${MAX_JSON_CONTAINERS} arrays and objects`);
      } else if (c === 0x5d || c === 0x7d) {
        depth--;
      } else if (c === 0x2c) {
        if (++this.values > MAX_JSON_VALUES) throw tooMuch(`holding more than ${MAX_JSON_VALUES} values`);
      }
    }
  }
}

function tooMuch(what: string): RpcError {
  return new RpcError(ErrorCode.SERIALIZATION, `JSON body ${what}`);
}

/**
 * True when `line` holds at most `limit` of '[' and '{' together (inside
 * strings too). A native indexOf per bracket: about 0.1 µs for a 700-byte
 * line against 3–5 µs for JSON.parse of it, so common bodies skip the scan.
 */
function opensAtMost(line: string, limit: number): boolean {
  let count = 0;
  for (let i = line.indexOf('['); i >= 0; i = line.indexOf('[', i + 1)) if (++count > limit) return false;
  for (let i = line.indexOf('{'); i >= 0; i = line.indexOf('{', i + 1)) if (++count > limit) return false;
  return true;
}

/** Index of the quote closing the string that opens at `start` (or the line's end). */
export function endOfString(line: string, start: number): number {
  for (let i = start + 1; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return line.length;
}
