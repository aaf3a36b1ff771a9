/**
 * The fixtures of the governance scenarios: interface com.example.DemoService
 * without version or group, consumer app shop-web on 127.0.1.9 with
 * `region=hz`, providers of app shop-provider on 127.0.0.x.
 */
import { ServiceUrl, type UrlParams } from '../../../registry/service-url.js';
import type { RoutedCall } from '../../../rpc/governance/router.js';

export const DEMO = 'com.example.DemoService';
export const CONSUMER_HOST = '127.0.1.9';

export function provider(host: string, port: number, params: UrlParams = {}): ServiceUrl {
  return new ServiceUrl({
    protocol: 'dubbo',
    host,
    port,
    path: DEMO,
    params: { interface: DEMO, application: 'shop-provider', side: 'provider', weight: '100', ...params },
  });
}

export function consumer(params: UrlParams = {}, host = CONSUMER_HOST): ServiceUrl {
  return new ServiceUrl({
    protocol: 'consumer',
    host,
    port: 0,
    path: DEMO,
    params: { interface: DEMO, application: 'shop-web', side: 'consumer', region: 'hz', ...params },
  });
}

/** Provider set A of the condition scenarios. */
export const A1 = provider('127.0.0.1', 20880, { region: 'hz' });
export const A2 = provider('127.0.0.2', 20880, { region: 'sh' });
export const A3 = provider('127.0.0.3', 20881);
export const SET_A = [A1, A2, A3].map((url) => ({ url }));

/** Provider set B of the tag scenarios. */
export const B1 = provider('127.0.0.1', 20880);
export const B2 = provider('127.0.0.2', 20880, { 'dubbo.tag': 'gray' });
export const B3 = provider('127.0.0.3', 20880);
export const SET_B = [B1, B2, B3].map((url) => ({ url }));

export function call(methodName = 'sayHello', args: unknown[] = [], attachments: Record<string, unknown> = {}): RoutedCall {
  return { methodName, args, attachments };
}

/** The selected providers as `host:port` strings, for readable assertions. */
export function addresses(targets: readonly { url: ServiceUrl }[]): string[] {
  return targets.map(({ url }) => `${url.host}:${url.port}`);
}

export const ALL_A = ['127.0.0.1:20880', '127.0.0.2:20880', '127.0.0.3:20881'];

/** A `.condition-router` document of the scenarios (service scope, v3.0). */
export function conditionYaml(conditions: string[], force = false): string {
  return [
    'configVersion: v3.0',
    'scope: service',
    `key: ${DEMO}`,
    'enabled: true',
    'runtime: true',
    `force: ${force}`,
    'conditions:',
    ...conditions.map((condition) => `  - '${condition}'`),
  ].join('\n');
}
