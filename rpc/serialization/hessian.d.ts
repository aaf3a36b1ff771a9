// Minimal types for hessian.js 2.x (untyped CommonJS package): only the v2
// encoder/decoder surface the hessian2 serialization uses.
declare module 'hessian.js' {
  export class EncoderV2 {
    constructor(options?: { size?: number });
    reset(): this;
    write(value: unknown): this;
    writeString(value: string): this;
    writeInt(value: number): this;
    writeNull(): this;
    writeBytes(value: Buffer): this;
    /** Copy of the bytes written since the last reset. */
    get(): Buffer;
  }
  export class DecoderV2 {
    constructor(buf?: Buffer, classCache?: unknown);
    /** Reads any value; withType keeps `{ $class, $ }` wrappers. */
    read(withType?: boolean): unknown;
    readString(): string;
    readInt(): number;
    position(): number;
    position(pos: number): this;
  }
  export function encode(value: unknown, version?: string): Buffer;
  export function decode(buf: Buffer, version?: string, options?: unknown): unknown;
}
