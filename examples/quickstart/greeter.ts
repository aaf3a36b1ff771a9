/**
 * The service of the quickstart: a Java-style interface name and Java types,
 * as a Java or Go consumer of the same registry would see it.
 */
import { defineService } from '../../rpc/service.js';

export const Greeter = defineService('org.example.quickstart.Greeter', {
  /**
   * Answers with a greeting that names the provider, so the caller sees who answered.
   * Idempotent: a call caught by a provider's crash may be sent again to another one
   * (without it, only calls that provably never reached a provider are retried).
   */
  sayHello: { params: ['java.lang.String'], returns: 'java.lang.String', idempotent: true },
});

/** The provider's name is the part of a reply after the last "from ". */
export function providerOf(reply: string): string {
  return reply.slice(reply.lastIndexOf('from ') + 'from '.length);
}
