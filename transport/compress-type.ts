/**
 * Per-session compression (dubbo-getty `connection.go`, getty's `CompressType`). The
 * values match getty's so configs carry over: deflate levels and snappy on
 * TCP; WebSocket sessions map any deflate value to permessage-deflate.
 */
export const CompressType = {
  None: 0,
  /** Deflate at zlib's default level. */
  Zip: -1,
  BestSpeed: 1,
  BestCompression: 9,
  /** Huffman-only deflate (zlib's Z_HUFFMAN_ONLY strategy). */
  Huffman: -2,
  Snappy: 10,
} as const;

export type CompressType = (typeof CompressType)[keyof typeof CompressType];

const known = new Set<number>(Object.values(CompressType));

export function isCompressType(value: unknown): value is CompressType {
  return typeof value === 'number' && known.has(value);
}
