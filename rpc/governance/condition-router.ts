/**
 * A condition routing rule: one or more conditions with the rule's `force`,
 * `enabled` and `priority`. Each condition runs as its own router, in order,
 * with its own empty-result fallback, as Java Dubbo's
 * `ListenableStateRouter` does (apache/dubbo 3.3 `router/condition/config/
 * ListenableStateRouter.java`; dubbo-go main instead stops at the first empty
 * result and falls back for the whole rule — see docs/governance.md).
 * Built from a registry URL (`condition://0.0.0.0/<iface>?rule=…`) or from
 * a `.condition-router` YAML document (condition-router-yaml.ts).
 */
import { ErrorCode, RpcError } from '../../common/rpc-error.js';
import type { ServiceUrl } from '../../registry/service-url.js';
import { ConditionRule } from './condition-rule.js';
import type { Routable, RoutedCall, Router } from './router.js';

/** Most conditions one rule may hold. */
export const MAX_CONDITIONS = 256;

export interface ConditionRouterInit {
  conditions: readonly string[];
  /** Keep an empty selection instead of ignoring the condition. Default false. */
  force?: boolean;
  /** Default true. */
  enabled?: boolean;
  /** Lower runs first. Default 0. */
  priority?: number;
  /** Where the rule came from, for logs. */
  source?: string;
}

export class ConditionRouter implements Router {
  readonly rules: readonly ConditionRule[];
  readonly force: boolean;
  readonly enabled: boolean;
  readonly priority: number;
  readonly readsCall: boolean;
  readonly source: string;

  /** Throws INVALID_ARGUMENT when a condition does not parse. */
  constructor(init: ConditionRouterInit) {
    if (init.conditions.length > MAX_CONDITIONS) {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, `a condition rule may hold at most ${MAX_CONDITIONS} conditions`);
    }
    this.rules = init.conditions.map((text) => ConditionRule.parse(text));
    this.force = init.force ?? false;
    this.enabled = init.enabled ?? true;
    this.priority = init.priority ?? 0;
    this.readsCall = this.rules.some((rule) => rule.readsCall);
    this.source = init.source ?? '';
  }

  /**
   * From `condition://0.0.0.0/<iface>?rule=<encoded>&force=…&priority=…` or
   * `route://…&router=condition` (Java Dubbo 2.6 `RegistryDirectory.toRouters`,
   * `ConditionRouter(URL)`). Throws INVALID_ARGUMENT or BAD_URL.
   */
  static fromUrl(url: ServiceUrl): ConditionRouter {
    const rule = url.getParam('rule');
    if (!rule) throw new RpcError(ErrorCode.BAD_URL, `routing URL without a rule: ${url.toString().slice(0, 200)}`);
    return new ConditionRouter({
      conditions: [rule],
      force: url.getBooleanParam('force', false),
      enabled: url.getBooleanParam('enabled', true),
      priority: url.getNumberParam('priority', 0),
      source: url.toString(),
    });
  }

  route<T extends Routable>(targets: readonly T[], consumer: ServiceUrl, call: RoutedCall): readonly T[] {
    if (!this.enabled) return targets;
    let current = targets;
    for (const rule of this.rules) current = rule.route(current, consumer, call, this.force);
    return current;
  }
}
