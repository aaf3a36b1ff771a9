/**
 * Hand-built Dubbo 2 frames for the golden-bytes tests: every byte here is
 * written from the hessian 2 spec and dubbo-go `protocol/dubbo/impl/hessian.go`, not by hessian.js.
 */

/** A hessian 2 compact string (length < 32 chars) or short string (< 1024 bytes). */
export function hstr(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (text.length < 32) return Buffer.concat([Buffer.from([text.length]), bytes]);
  return Buffer.concat([Buffer.from([0x30 + (text.length >> 8), text.length & 0xff]), bytes]);
}

/** A hessian 2 untyped map ('H' key value ... 'Z') with keys in the given order. */
export function hmap(entries: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [Buffer.from('H')];
  for (const [key, value] of entries) parts.push(hstr(key), value);
  parts.push(Buffer.from('Z'));
  return Buffer.concat(parts);
}

/** A header: magic, flag, status, int64 id, uint32 body length. */
export function header(flag: number, status: number, id: number, bodyLength: number): Buffer {
  const buf = Buffer.alloc(16);
  buf.writeUInt16BE(0xdabb, 0);
  buf[2] = flag;
  buf[3] = status;
  buf.writeBigInt64BE(BigInt(id), 4);
  buf.writeUInt32BE(bodyLength, 12);
  return buf;
}

export function frame(flag: number, status: number, id: number, body: Buffer): Buffer {
  return Buffer.concat([header(flag, status, id, body.length), body]);
}

export const DEMO_PATH = 'org.apache.dubbo.DubboDemoProvider.Test';

/**
 * A two-way hessian2 request as dubbo-go `protocol/dubbo/impl/hessian.go` writes it (id 0x4e, path and version
 * as captured from a dubbo-go peer), calling sayHello(String "world").
 */
export function capturedRequestFrame(): Buffer {
  const body = Buffer.concat([
    hstr('2.0.2'),
    hstr(DEMO_PATH),
    hstr('myversion'),
    hstr('sayHello'),
    hstr('Ljava/lang/String;'),
    hstr('world'),
    hmap([
      ['interface', hstr(DEMO_PATH)],
      ['path', hstr(DEMO_PATH)],
      ['timeout', hstr('3000')],
      ['version', hstr('myversion')],
    ]),
  ]);
  return frame(0xc2, 0, 0x4e, body);
}

/** A hessian object of `java.lang.IllegalStateException("boom")` as we send it. */
export function exceptionObject(): Buffer {
  return Buffer.concat([
    Buffer.from([0x43]),
    hstr('java.lang.IllegalStateException'),
    Buffer.from([0x92]),
    hstr('detailMessage'),
    hstr('stackTrace'),
    Buffer.from([0x60]),
    hstr('boom'),
    Buffer.from([0x70]),
    hstr('[java.lang.StackTraceElement'),
  ]);
}
