/**
 * Java exceptions in hessian2 response bodies (flags 0 and 3). Java consumers
 * must read what we send as a Throwable; we must read theirs back into
 * `{ type, message }`.
 */
import type { Hessian2Reader } from './hessian2-reader.js';
import type { RemoteException } from '../protocol/dubbo-package.js';
import { javaClassOf } from '../protocol/java-object.js';

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
 * Reads the exception object at the reader's position into `{ type, message }`:
 * the class name the decoded object carries, and its `detailMessage`.
 */
export function readJavaException(reader: Hessian2Reader): RemoteException {
  const value = reader.value();
  const type = javaClassOf(value) ?? DEFAULT_EXCEPTION_TYPE;
  if (value === null || typeof value !== 'object') return { type, message: String(value) };
  return { type, message: messageOf(value) ?? type };
}

function messageOf(fields: object): string | undefined {
  const { detailMessage, message } = fields as { detailMessage?: unknown; message?: unknown };
  if (typeof detailMessage === 'string') return detailMessage;
  return typeof message === 'string' ? message : undefined;
}
