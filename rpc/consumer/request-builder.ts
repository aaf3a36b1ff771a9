/**
 * How a consumer turns one call into a Dubbo request: the Java parameter
 * types it declares and the request with its attachments (dubbo-go
 * `protocol/dubbo/dubbo_invoker.go` Invoke, which sets `interface`, `group`
 * and `timeout` the same way). Shared by the Node consumer (DubboInvoker) and
 * the browser client, so both send the same bytes for the same call. Free of
 * Node-only modules: it runs in the browser bundle too.
 */
import { type DubboRequest, newRequest } from '../protocol/dubbo-package.js';
import { ECHO_PARAMETER_TYPES, GENERIC_PARAMETER_TYPES, inferJavaType } from '../protocol/java-types.js';
import type { Invocation } from '../invocation.js';
import type { MethodDescriptor } from '../service.js';

/** What a request is built from: the fields of an `Invocation` it sends. */
export type RequestSource = Pick<Invocation, 'interfaceName' | 'methodName' | 'parameterTypes' | 'args' | 'attachments' | 'version' | 'group'>;

/**
 * The Java types a call declares: Dubbo's own for `$invoke` and `$echo`, the
 * definition's when it is Java-typed, else inferred from the values.
 */
export function parameterTypesFor(methodName: string, method: MethodDescriptor | undefined, args: readonly unknown[]): readonly string[] {
  if (methodName === '$invoke') return GENERIC_PARAMETER_TYPES;
  if (methodName === '$echo') return ECHO_PARAMETER_TYPES;
  return method?.parameterTypes ?? args.map(inferJavaType);
}

/**
 * The two-way request for `call` (id 0: the pending table gives it one when
 * it is sent). `timeoutText` is the `timeout` attachment, the ms the provider
 * takes as its deadline. The call's types and arguments are only read: no
 * copy on the hot path.
 */
export function buildRequest(call: RequestSource, path: string, serialization: number, timeoutText: string): DubboRequest {
  const attachments: Record<string, unknown> = { ...call.attachments, interface: call.interfaceName };
  if (call.group) attachments.group = call.group;
  attachments.timeout = timeoutText;
  return newRequest(0, serialization, path, call.version ?? '', call.methodName, call.parameterTypes as string[], call.args as unknown[], attachments);
}
