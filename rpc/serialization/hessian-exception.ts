/**
 * Java exceptions in hessian2 response bodies (flags 0 and 3). Java consumers
 * must read what we send as a Throwable; we must read theirs back into
 * `{ type, message }`.
 */
import hessian from 'hessian.js';
import type { Hessian2Reader } from './hessian2-reader.js';
import type { RemoteException } from '../protocol/dubbo-package.js';

/** Sent when the provider's error has no Java class name of its own. */
export const DEFAULT_EXCEPTION_TYPE = 'java.lang.RuntimeException';

/**
 * A hessian object of the exception's class. Only `detailMessage` and an
 * empty `stackTrace` are written: Java's Hessian builds the Throwable through
 * its constructor, so every other field keeps its default (cause = none,
 * suppressed = none), and printStackTrace() works on the empty trace.
 */
export function writeJavaException(exception: RemoteException): unknown {
  return {
    $class: exception.type || DEFAULT_EXCEPTION_TYPE,
    $: {
      detailMessage: exception.message,
      stackTrace: { $class: '[java.lang.StackTraceElement', $: [] },
    },
  };
}

/**
 * Reads the exception object at the reader's position into `{ type, message }`.
 * hessian.js turns classes named `*Exception` into an Error whose name is the
 * class, but leaves other Throwables (`java.lang.Error`, `...Fault`) as plain
 * fields, so the class name is peeked from the object definition first.
 */
export function readJavaException(reader: Hessian2Reader, body: Buffer): RemoteException {
  const declared = peekClassName(body, reader.position);
  const value = reader.value();
  if (value instanceof Error) return { type: declared ?? value.name, message: value.message };
  if (value === null || typeof value !== 'object') {
    return { type: declared ?? DEFAULT_EXCEPTION_TYPE, message: String(value) };
  }
  const type = declared ?? DEFAULT_EXCEPTION_TYPE;
  return { type, message: messageOf(value) ?? type };
}

/** The class name of an object definition ('C' type ...) at `pos`, if one starts there. */
function peekClassName(body: Buffer, pos: number): string | undefined {
  if (body[pos] !== 0x43) return undefined;
  const peek = new hessian.DecoderV2(body);
  peek.position(pos + 1);
  const name = peek.readString();
  return typeof name === 'string' ? name : undefined;
}

function messageOf(fields: object): string | undefined {
  const { detailMessage, message } = fields as { detailMessage?: unknown; message?: unknown };
  if (typeof detailMessage === 'string') return detailMessage;
  return typeof message === 'string' ? message : undefined;
}
