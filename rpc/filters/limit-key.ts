/**
 * The key the limiting filters (`tps`, `execute`, `actives`) count calls
 * under: `interface#method`, or the interface alone when the whole service
 * shares one limit (dubbo-go's `method-service` and `default` limiters,
 * `filter/tps/limiter/`).
 */
import type { Invocation } from '../invocation.js';

export function limitKeyOf(invocation: Invocation, perMethod: boolean): string {
  return perMethod ? `${invocation.interfaceName}#${invocation.methodName}` : invocation.interfaceName;
}
