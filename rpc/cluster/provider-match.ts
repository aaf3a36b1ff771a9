/**
 * Whether a provider URL serves a consumer's reference, by Dubbo's rules
 * (`UrlUtils.isMatch`): same interface; group equal, '*' or one of the
 * consumer's comma-separated groups; version equal or '*'; an absent value
 * equals an empty one; disabled providers and other categories never match;
 * a consumer `protocol` param limits the provider protocols.
 */
import type { ServiceUrl } from '../../registry/service-url.js';

const ANY = '*';

export function providerMatches(consumer: ServiceUrl, provider: ServiceUrl): boolean {
  return (
    interfaceMatches(consumer, provider) &&
    isProviderEntry(provider) &&
    groupMatches(consumer.getParam('group', ''), provider.getParam('group', '')) &&
    valueMatches(consumer.getParam('version', ''), provider.getParam('version', '')) &&
    protocolMatches(consumer.getParam('protocol', ''), provider.protocol)
  );
}

function interfaceMatches(consumer: ServiceUrl, provider: ServiceUrl): boolean {
  return consumer.interfaceName === ANY || consumer.interfaceName === provider.interfaceName;
}

function isProviderEntry(provider: ServiceUrl): boolean {
  const category = provider.getParam('category', 'providers');
  return category === 'providers' && provider.getParam('enabled', 'true') !== 'false';
}

function groupMatches(wanted: string, offered: string): boolean {
  return wanted === ANY || wanted === offered || wanted.split(',').some((group) => group.trim() === offered && offered !== '');
}

function valueMatches(wanted: string, offered: string): boolean {
  return wanted === ANY || wanted === offered;
}

function protocolMatches(wanted: string, offered: string): boolean {
  return wanted === '' || wanted.split(',').some((protocol) => protocol.trim() === offered);
}
