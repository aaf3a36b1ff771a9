/**
 * A Directory is the list of invokers a cluster chooses from: fixed
 * (StaticDirectory, for `url:` references) or fed by registries
 * (RegistryDirectory). dubbo-go's `directory.Directory`.
 */
import type { ServiceUrl } from '../../../registry/service-url.js';
import type { Invocation } from '../../invocation.js';
import type { Invoker } from '../../invoker.js';

export type DirectoryListener = (invokers: readonly Invoker[]) => void;

export interface Directory {
  /**
   * The consumer's reference URL. Its params (`cluster`, `loadbalance`,
   * `retries`, `forks`, ...) take precedence over the providers' own, as
   * Dubbo's consumer-over-provider URL merge does.
   */
  readonly url: ServiceUrl;
  /** The invokers that may serve this call right now (empty when none). */
  list(invocation: Invocation): readonly Invoker[];
  /** True while not destroyed and at least one invoker is available. */
  isAvailable(): boolean;
  /** Destroys the invokers it made and stops listening. Idempotent. */
  destroy(): void;
  /** Calls `listener` with the new list after every change; returns a function that stops it. */
  onChange(listener: DirectoryListener): () => void;
  /**
   * The first invoker before any routing (undefined when none): where the
   * adaptive cluster reads the strategy a rule or provider names, without
   * routing the call twice.
   */
  first?(): Invoker | undefined;
  /** What the directory saw when it has no invoker, for the NO_PROVIDER message (e.g. the versions registered). */
  describeEmpty?(): string;
}
