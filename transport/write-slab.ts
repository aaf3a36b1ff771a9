/**
 * A process-wide output slab that small frames are encoded into, so a frame
 * costs no Buffer of its own (docs/transport.md "Performance notes"). Like
 * Node's own allocUnsafe pool, the position only moves forward: bytes handed
 * out are never handed out again, so a slice queued on a socket stays intact
 * until the kernel took it. A full slab is dropped (the garbage collector
 * frees it once no queued slice refers to it) and a fresh one takes over.
 */

/** Size of one slab in bytes; frames above SLAB_FRAME_LIMIT_BYTES never use it. */
export const SLAB_BYTES = 64 * 1024;
/** Largest frame encoded into the slab, in bytes; larger frames keep their own buffers. */
export const SLAB_FRAME_LIMIT_BYTES = 8 * 1024;

export class WriteSlab {
  /** The current slab. */
  buf: Buffer;
  /** First free byte of `buf`. */
  pos = 0;

  constructor(private readonly slabBytes = SLAB_BYTES) {
    this.buf = Buffer.allocUnsafeSlow(slabBytes);
  }

  /** True when `bytes` more fit behind `pos` in the current slab. */
  fits(bytes: number): boolean {
    return this.pos + bytes <= this.buf.length;
  }

  /** Reserves `bytes` (≤ the slab size), starting a new slab when they do not fit; returns their offset. */
  reserve(bytes: number): number {
    if (!this.fits(bytes)) {
      this.buf = Buffer.allocUnsafeSlow(this.slabBytes);
      this.pos = 0;
    }
    const offset = this.pos;
    this.pos += bytes;
    return offset;
  }
}

let shared: WriteSlab | null = null;

/** The slab every stream session of this process writes small frames into. */
export function sharedWriteSlab(): WriteSlab {
  shared ??= new WriteSlab();
  return shared;
}
