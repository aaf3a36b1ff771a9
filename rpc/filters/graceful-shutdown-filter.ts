/**
 * The graceful-shutdown filter (`pshutdown` / `cshutdown`, go-anchors §5.3,
 * §5.6): counts each call in and out of a `ShutdownTracker`; once the tracker
 * is closing, new calls fail with its refusal code (SERVER_SHUTTING_DOWN on a
 * provider, CLIENT_CLOSED on a consumer) while calls in flight complete.
 */
import { type Filter, registerFilter } from '../filter.js';
import { ShutdownTracker } from '../shutdown-tracker.js';

/** Counts calls through `tracker`. */
export function gracefulShutdownFilter(tracker: ShutdownTracker): Filter {
  return async (invocation, next) => {
    tracker.enter();
    try {
      return await next(invocation);
    } finally {
      tracker.leave();
    }
  };
}

registerFilter('shutdown', (options) => gracefulShutdownFilter((options as ShutdownTracker) ?? new ShutdownTracker()));
