/**
 * The consumer API for code that steers: which governance rules a proxy's
 * reference obeys right now (registry-form URLs and config-center documents
 * in effect, rejected ones left out).
 */
import { RegistryDirectory } from '../cluster/directory/registry-directory.js';
import { referenceOf } from '../consumer/proxy.js';
import type { RulesInEffect } from './governance-rules.js';

/** The rules in effect for a proxy made by `RpcClient.refer`; undefined for direct (`url:`) references or with governance off. */
export function governanceRulesOf(proxy: object): RulesInEffect | undefined {
  const invoker = referenceOf(proxy)?.invoker as { directory?: unknown } | undefined;
  const directory = invoker?.directory;
  return directory instanceof RegistryDirectory ? directory.governanceRules?.rulesInEffect() : undefined;
}
