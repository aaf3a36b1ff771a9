/**
 * Which argument and return values `Hessian2Writer` writes by hand: null,
 * byte[], strings, ints and booleans under the Java types that hessian.js
 * would write the same way. Everything else goes through hessian.js.
 */
import type { Hessian2Writer } from './hessian2-writer.js';

type Kind = 'bytes' | 'string' | 'int' | 'boolean' | 'any';

const KINDS: ReadonlyMap<string, Kind> = new Map<string, Kind>([
  ['[B', 'bytes'],
  ['byte[]', 'bytes'],
  ['java.lang.String', 'string'],
  ['int', 'int'],
  ['java.lang.Integer', 'int'],
  ['boolean', 'boolean'],
  ['java.lang.Boolean', 'boolean'],
  ['java.lang.Object', 'any'],
]);

const INT_MIN = -0x8000_0000;
const INT_MAX = 0x7fff_ffff;

/** True when `value`, declared as Java `type`, can be written by `writeByHand`. */
export function canWriteByHand(type: string, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  switch (KINDS.get(type)) {
    case 'bytes':
      return Buffer.isBuffer(value);
    case 'string':
      return typeof value === 'string';
    case 'int':
      return Number.isInteger(value) && (value as number) >= INT_MIN && (value as number) <= INT_MAX;
    case 'boolean':
      return typeof value === 'boolean';
    case 'any':
      return typeof value === 'string' || Buffer.isBuffer(value);
    default:
      return false;
  }
}

/** Writes a value `canWriteByHand` accepted. */
export function writeByHand(writer: Hessian2Writer, value: unknown): void {
  if (value === null || value === undefined) writer.null();
  else if (typeof value === 'string') writer.string(value);
  else if (typeof value === 'number') writer.int(value);
  else if (typeof value === 'boolean') writer.boolean(value);
  else writer.bytes(value as Buffer);
}
