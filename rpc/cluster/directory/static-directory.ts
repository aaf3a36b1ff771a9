/** A Directory over a fixed invoker list: direct `url:` references and tests. */
import type { ServiceUrl } from '../../../registry/service-url.js';
import type { Invocation } from '../../invocation.js';
import type { Invoker } from '../../invoker.js';
import type { Directory, DirectoryListener } from './directory.js';

export class StaticDirectory implements Directory {
  private invokers: readonly Invoker[];
  private destroyed = false;

  constructor(
    readonly url: ServiceUrl,
    invokers: readonly Invoker[],
  ) {
    this.invokers = [...invokers];
  }

  list(_invocation: Invocation): readonly Invoker[] {
    return this.invokers;
  }

  first(): Invoker | undefined {
    return this.invokers[0];
  }

  isAvailable(): boolean {
    return !this.destroyed && this.invokers.some((invoker) => invoker.isAvailable());
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Destroys every invoker it was given (they are owned by the directory from then on). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const invoker of this.invokers) invoker.destroy();
    this.invokers = [];
  }

  /** The list never changes, so listeners are never called. */
  onChange(_listener: DirectoryListener): () => void {
    return () => {};
  }
}
