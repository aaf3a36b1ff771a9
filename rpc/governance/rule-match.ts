/**
 * Whether a rule URL concerns a consumer's reference, as Java Dubbo's
 * `UrlUtils.isMatch(consumerUrl, ruleUrl)` decides before a registry hands
 * rules over (apache/dubbo 2.6.x `dubbo-common/.../common/utils/UrlUtils.java`):
 * same interface (or `*`); a rule with `enabled=false` is dropped; group equal,
 * `*`, or in the consumer's comma list; version equal or `*`. Registry copies
 * marked `compatible_config` are skipped, since this project also reads the
 * config-center original (Java 2.7+ `RegistryDirectory.isNotCompatibleFor26x`).
 */
import type { ServiceUrl } from '../../registry/service-url.js';

const ANY = '*';

/** @param fromDocument true for URLs built from YAML (their `enabled` is judged when applied) */
export function ruleAppliesTo(reference: ServiceUrl, rule: ServiceUrl, fromDocument: boolean): boolean {
  if (!fromDocument && (rule.getParam('enabled', 'true') === 'false' || rule.getParam('compatible_config') === 'true')) return false;
  const service = rule.interfaceName;
  if (service !== ANY && service !== reference.interfaceName) return false;
  const group = rule.getParam('group', '');
  const wanted = reference.getParam('group', '');
  const groupOk = group === ANY || wanted === ANY || group === wanted || (group !== '' && wanted.split(',').some((g) => g.trim() === group));
  const version = rule.getParam('version', '');
  const wantedVersion = reference.getParam('version', '');
  return groupOk && (version === ANY || wantedVersion === ANY || version === wantedVersion);
}
