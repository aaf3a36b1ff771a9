/**
 * Tag routing: a call carrying a tag goes to the providers of that tag; a
 * call without one goes to untagged providers. Java Dubbo 3's
 * `TagStateRouter` (apache/dubbo 3.3 `dubbo-cluster/.../router/tag/
 * TagStateRouter.java`), which dubbo-go's `cluster/router/tag` mostly follows:
 * - the call's tag is attachment `dubbo.tag`, else the consumer URL's
 *   `dubbo.tag` param; `dubbo.force.tag=true` (attachment, else consumer
 *   param) forbids falling back to untagged providers;
 * - a provider's static tag is its URL param `dubbo.tag`;
 * - a dynamic rule (tag-rule.ts) assigns addresses to tags; when the call's
 *   tag finds nobody and nothing forces it, the call falls back to the
 *   untagged providers that no tag of the rule names.
 */
import type { ServiceUrl } from '../../registry/service-url.js';
import type { Routable, RoutedCall, Router } from './router.js';
import { type TagRule, tagSelects } from './tag-rule.js';

export const TAG_KEY = 'dubbo.tag';
export const FORCE_TAG_KEY = 'dubbo.force.tag';

/** Java Dubbo 3 activates its tag router with order 100. */
export const TAG_ROUTER_PRIORITY = 100;

export class TagRouter implements Router {
  readonly priority = TAG_ROUTER_PRIORITY;
  readonly readsCall = true;

  /** @param rule the provider application's `.tag-router` rule, if any */
  constructor(readonly rule?: TagRule) {}

  route<T extends Routable>(targets: readonly T[], consumer: ServiceUrl, call: RoutedCall): readonly T[] {
    if (targets.length === 0) return targets;
    const tag = stringAttachment(call, TAG_KEY) ?? consumer.getParam(TAG_KEY);
    const forceTag = (stringAttachment(call, FORCE_TAG_KEY) ?? consumer.getParam(FORCE_TAG_KEY)) === 'true';
    const rule = this.rule?.enabled ? this.rule : undefined;
    if (!rule) return tag ? staticRoute(targets, tag, forceTag) : untagged(targets);
    return tag ? ruleRoute(targets, rule, tag, forceTag) : untagged(targets.filter((target) => !rule.namesAddressOf(target.url)));
  }
}

function staticRoute<T extends Routable>(targets: readonly T[], tag: string, forceTag: boolean): readonly T[] {
  const tagged = targets.filter((target) => target.url.params[TAG_KEY] === tag);
  return tagged.length > 0 || forceTag ? tagged : untagged(targets);
}

function ruleRoute<T extends Routable>(targets: readonly T[], rule: TagRule, tag: string, forceTag: boolean): readonly T[] {
  const named = rule.tag(tag);
  let result: T[];
  if (named) {
    result = targets.filter((target) => tagSelects(named, target.url));
    if (result.length > 0 || rule.force) return result;
  } else {
    result = targets.filter((target) => target.url.params[TAG_KEY] === tag);
  }
  if (result.length > 0 || forceTag) return result;
  return untagged(targets.filter((target) => !rule.namesAddressOf(target.url)));
}

function untagged<T extends Routable>(targets: readonly T[]): T[] {
  return targets.filter((target) => !target.url.params[TAG_KEY]);
}

/** Attachments from other peers may hold anything; only a non-empty string is a tag. */
function stringAttachment(call: RoutedCall, key: string): string | undefined {
  const value = Object.hasOwn(call.attachments, key) ? call.attachments[key] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
