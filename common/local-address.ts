/**
 * `localAddress`: the host written into registry URLs. A consumer URL under
 * /consumers and a provider URL bound to a wildcard must name an address other
 * machines can reach: dubbo-go writes the detected local IP (dubbo-go `registry/base_registry.go`);
 * here
 * the first non-internal IPv4 address, else 127.0.0.1.
 */
import { networkInterfaces } from 'node:os';

const LOOPBACK = '127.0.0.1';
const WILDCARDS: ReadonlySet<string> = new Set(['', '0.0.0.0', '::', '[::]', '::0']);

/** The machine's first non-internal IPv4 address; 127.0.0.1 when there is none. */
export function localAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const external = addresses?.find((address) => address.family === 'IPv4' && !address.internal);
    if (external) return external.address;
  }
  return LOOPBACK;
}

/** True for a listen address that means "every interface", which no peer can dial. */
export function isWildcardHost(host: string): boolean {
  return WILDCARDS.has(host);
}

/** The address to advertise for a server listening on `host`: itself, unless it is a wildcard. */
export function advertisedHost(host: string): string {
  return isWildcardHost(host) ? localAddress() : host;
}
