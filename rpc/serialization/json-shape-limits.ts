/**
 * Bounds on what one json body may make `JSON.parse` build, checked on the
 * text before it is parsed: nesting depth, and for large bodies the number of
 * arrays/objects and of values. `JSON.parse` itself never overflows the stack
 * (V8 parses iteratively), but 8 MiB of `[],[],…` builds 2.8 million arrays
 * in about 0.5 s of one event-loop turn and 115 MB, and 4 million nested
 * arrays take 1.5 s. The limits are process-wide (`configureJson`); the
 * counts' defaults match the hessian2 decoder's (docs/rpc.md, "Limits").
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';

export interface JsonLimits {
  /** Deepest nesting of arrays and objects in one value (as protobufjs's recursion limit); default 100. */
  maxDepth?: number;
  /** Most arrays and objects in one body; default 131 072 (hessian2's `maxObjects`). */
  maxContainers?: number;
  /** Most values (array elements and object members, counted by their separators) in one body; default 524 288 (hessian2's `maxValues`). */
  maxValues?: number;
}

/** The limits in force, with the body length below which the counts need no check. */
interface ShapeLimits extends Required<JsonLimits> {
  /**
   * A body of at most this many characters cannot exceed the two counts: an
   * array or object takes at least 2 characters (`[]`, nested ones too) and a
   * value 2 (`0,`).
   */
  countsNeedChars: number;
}

function shapeLimits(maxDepth: number, maxContainers: number, maxValues: number): ShapeLimits {
  return Object.freeze({ maxDepth, maxContainers, maxValues, countsNeedChars: 2 * Math.min(maxContainers, maxValues) });
}

/** The defaults, which match the hessian2 decoder's (docs/rpc.md, "Limits"). */
export const DEFAULT_JSON_LIMITS: Readonly<Required<JsonLimits>> = Object.freeze({ maxDepth: 100, maxContainers: 131_072, maxValues: 524_288 });

let limits = shapeLimits(DEFAULT_JSON_LIMITS.maxDepth, DEFAULT_JSON_LIMITS.maxContainers, DEFAULT_JSON_LIMITS.maxValues);

/**
 * Sets the process-wide json body limits (those not given keep their value);
 * throws RpcError INVALID_ARGUMENT on a value that is not a positive integer,
 * changing nothing. A body being read keeps the limits it started with.
 */
export function configureJson(options: JsonLimits): void {
  const { maxDepth = limits.maxDepth, maxContainers = limits.maxContainers, maxValues = limits.maxValues } = options;
  for (const [name, value] of [['maxDepth', maxDepth], ['maxContainers', maxContainers], ['maxValues', maxValues]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RpcError(ErrorCode.INVALID_ARGUMENT, `${name} must be a positive integer, got ${value}`);
  }
  limits = shapeLimits(maxDepth, maxContainers, maxValues);
}

/** The limits in force (a copy). */
export function jsonLimits(): Required<JsonLimits> {
  const { maxDepth, maxContainers, maxValues } = limits;
  return { maxDepth, maxContainers, maxValues };
}

/** The limits for one body; `check` each line before parsing it. Throws RpcError SERIALIZATION. */
export class JsonShapeLimits {
  private containers = 0;
  private values = 0;
  private readonly countAll: boolean;
  /** Read once per body: configureJson replaces the object, never changes it. */
  private readonly limits: ShapeLimits;

  constructor(bodyChars: number) {
    this.limits = limits;
    this.countAll = bodyChars > this.limits.countsNeedChars;
  }

  check(line: string): void {
    // Every line counts, short ones too: a descriptor of 40 000 parameters and as many
    // 200-character argument lines would otherwise bring 2.7 million arrays in uncounted.
    if (this.countAll && !this.withinCounts(line)) {
      this.scan(line);
      return;
    }
    // A valid value nested deeper than the limit holds more than maxDepth opening brackets
    // and as many closing ones, so more than 2 × maxDepth characters.
    const { maxDepth } = this.limits;
    if (line.length <= 2 * maxDepth) return;
    if (countUpTo(line, '[', maxDepth) + countUpTo(line, '{', maxDepth) > maxDepth) this.scan(line, false);
  }

  /**
   * Adds upper bounds of the line's counts (its '[', '{' and ',' anywhere,
   * inside strings too, counted with native indexOf) when they stay within
   * the limits; false when they might not, so the exact scan decides.
   */
  private withinCounts(line: string): boolean {
    const { maxContainers, maxValues } = this.limits;
    const values = countUpTo(line, ',', maxValues - this.values);
    if (this.values + values > maxValues) return false;
    const containerRoom = maxContainers - this.containers;
    const containers = countUpTo(line, '[', containerRoom) + countUpTo(line, '{', containerRoom);
    if (this.containers + containers > maxContainers) return false;
    this.values += values;
    this.containers += containers;
    return true;
  }

  /** One pass over the characters, skipping strings: the depth, and (`count`) the containers and values. */
  private scan(line: string, count = true): void {
    const { maxDepth, maxContainers, maxValues } = this.limits;
    let depth = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x22) {
        i = endOfString(line, i);
      } else if (c === 0x5b || c === 0x7b) {
        if (++depth > maxDepth) throw tooMuch(`nested deeper than ${maxDepth} levels`);
        if (count && ++this.containers > maxContainers) throw tooMuch(`holding more than ${maxContainers} arrays and objects`);
      } else if (c === 0x5d || c === 0x7d) {
        depth--;
      } else if (c === 0x2c) {
        if (count && ++this.values > maxValues) throw tooMuch(`holding more than ${maxValues} values`);
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
