/**
 * The response-body flag every serialization writes first (dubbo-go `protocol/dubbo/impl/hessian.go` encodeResponse):
 * 0 exception, 1 value, 2 null; 3/4/5 the same followed by attachments, used
 * only when the caller's dubbo version understands them.
 */
import { type DubboResponse, supportsResponseAttachments } from '../protocol/dubbo-package.js';

export const ResponseFlag = {
  WITH_EXCEPTION: 0,
  VALUE: 1,
  NULL_VALUE: 2,
  WITH_EXCEPTION_WITH_ATTACHMENTS: 3,
  VALUE_WITH_ATTACHMENTS: 4,
  NULL_VALUE_WITH_ATTACHMENTS: 5,
} as const;

/** Picks the flag for an OK, non-event response. */
export function chooseResponseFlag(response: DubboResponse): number {
  const withAttachments = supportsResponseAttachments(response.dubboVersion ?? '2.0.2') ? 3 : 0;
  if (response.exception !== undefined) return ResponseFlag.WITH_EXCEPTION + withAttachments;
  const isNull = response.value === null || response.value === undefined;
  return (isNull ? ResponseFlag.NULL_VALUE : ResponseFlag.VALUE) + withAttachments;
}

export function flagHasAttachments(flag: number): boolean {
  return flag >= ResponseFlag.WITH_EXCEPTION_WITH_ATTACHMENTS;
}

export function flagHasException(flag: number): boolean {
  return flag === ResponseFlag.WITH_EXCEPTION || flag === ResponseFlag.WITH_EXCEPTION_WITH_ATTACHMENTS;
}

export function flagHasValue(flag: number): boolean {
  return flag === ResponseFlag.VALUE || flag === ResponseFlag.VALUE_WITH_ATTACHMENTS;
}

/** Attachments every request body carries (dubbo-go `protocol/dubbo/impl/hessian.go` marshalRequest). */
export function requestAttachments(request: {
  path: string;
  version: string;
  attachments: Record<string, unknown>;
}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const given = request.attachments;
  for (const key in given) out[key] = given[key];
  out.path = request.path;
  if (out.interface === undefined) out.interface = request.path;
  if (request.version !== '') out.version = request.version;
  return out;
}
