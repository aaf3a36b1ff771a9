/** Options of `RpcClient` / `RpcServer` / `RegistryDirectory` governance (docs/governance.md). */
import type { RuleErrorListener } from './governance-rules.js';

export interface GovernanceOptions {
  /** Obey governance rules from the registries. Default true. */
  enabled?: boolean;
  /**
   * Called when a rule is rejected (bad YAML, unknown key, grammar error) or
   * a rule watch cannot start; the previous rules stay in effect. Default:
   * a process warning.
   */
  onRuleError?: RuleErrorListener;
}
