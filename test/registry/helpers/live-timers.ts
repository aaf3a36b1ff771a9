import { createHook } from 'node:async_hooks';

/**
 * Tracks the timers created while it is on that are still alive (not yet cleared or fired),
 * through async_hooks: unref'd timers do not show in `process.getActiveResourcesInfo()`.
 */
export function trackLiveTimers(): { readonly live: ReadonlySet<number>; stop(): void } {
  const live = new Set<number>();
  const hook = createHook({
    init: (id, type) => {
      if (type === 'Timeout') live.add(id);
    },
    destroy: (id) => live.delete(id),
  }).enable();
  return { live, stop: () => hook.disable() };
}
