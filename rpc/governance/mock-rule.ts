/**
 * The `mock` parameter a configurator can set on a consumer (Java Dubbo
 * `MockClusterInvoker` and `MockInvoker.parseMockValue`, apache/dubbo 2.6.x
 * `dubbo-rpc/dubbo-rpc-api/.../rpc/support/MockInvoker.java`):
 * - empty or `false`: off;
 * - `force:<action>`: never call the provider, answer with the action;
 * - anything else (`fail:<action>`, `return …`, `true`): call the provider,
 *   and answer with the action only when the call fails for a reason that is
 *   not the service's own exception;
 * - actions: `return null|empty|true|false|<JSON>|"text"|'text'` or
 *   `throw [type]` (an RpcError SERVICE_ERROR naming that type). `empty`
 *   gives null, since the Java return type is not known here.
 * Legacy dubbo-admin writes the value URL-encoded (`force%3Areturn+null`).
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';

/** Longest mock value accepted, in characters. */
const MAX_MOCK_LENGTH = 4096;

export interface MockRule {
  /** True: the provider is never called. */
  readonly force: boolean;
  /** The mock answer: resolves with the value or rejects with the `throw` error. */
  answer(method: string): Promise<unknown>;
}

/** Parses a `mock` value; undefined when mocking is off. Throws INVALID_ARGUMENT for values it cannot use. */
export function parseMockRule(raw: string | undefined): MockRule | undefined {
  if (raw === undefined) return undefined;
  let text = decodeLegacy(raw).trim();
  if (text === '' || text === 'false') return undefined;
  if (text.length > MAX_MOCK_LENGTH) throw invalid(raw);
  const force = text.startsWith('force');
  if (force || text.startsWith('fail')) text = text.replace(/^(force|fail):?/, '').trim();
  if (text === '' || text === 'true' || text === 'default') text = 'return null';
  if (text.startsWith('throw')) {
    const type = text.slice('throw'.length).trim() || 'org.apache.dubbo.rpc.RpcException';
    return { force, answer: (method) => Promise.reject(new RpcError(ErrorCode.SERVICE_ERROR, `mocked ${method}: throw ${type}`, { remoteType: type })) };
  }
  if (!text.startsWith('return')) throw invalid(raw);
  const value = parseValue(text.slice('return'.length).trim(), raw);
  return { force, answer: () => Promise.resolve(structuredClone(value)) };
}

function parseValue(text: string, raw: string): unknown {
  if (text === '' || text === 'null' || text === 'empty') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  if ((text.startsWith('"') && text.endsWith('"')) || (text.startsWith("'") && text.endsWith("'"))) return text.slice(1, -1);
  try {
    // JSON.parse never changes a prototype: "__proto__" becomes an own key.
    return JSON.parse(text);
  } catch {
    if (/^[\w.-]+$/.test(text)) return text;
    throw invalid(raw);
  }
}

function decodeLegacy(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

function invalid(raw: string): RpcError {
  return new RpcError(ErrorCode.INVALID_ARGUMENT, `bad mock value: ${raw.slice(0, 200)}`);
}
