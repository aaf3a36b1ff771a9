/**
 * The graceful-shutdown filter (`pshutdown` / `cshutdown`, dubbo-go `filter/graceful_shutdown/`,
 * `graceful_shutdown/shutdown.go`): counts each call in and out of a `ShutdownTracker`; once the tracker
 * is closing, new calls fail with its refusal code (SERVER_SHUTTING_DOWN on a
 * provider, CLIENT_CLOSED on a consumer) while calls in flight complete.
 */
import { type Filter, registerFilter } from '../filter.js';
import { ShutdownTracker } from '../shutdown-tracker.js';

/** Counts calls through `tracker`. */
export function gracefulShutdownFilter(tracker: ShutdownTracker): Filter {
  // Not async, and its two callbacks made once: this layer is on every consumer call.
  const done = (value: unknown) => {
    tracker.leave();
    return value;
  };
  const failed = (err: unknown) => {
    tracker.leave();
    throw err;
  };
  return (invocation, next) => {
    try {
      tracker.enter();
    } catch (err) {
      return Promise.reject(err);
    }
    let result: Promise<unknown>;
    try {
      result = next(invocation);
    } catch (err) {
      tracker.leave();
      return Promise.reject(err);
    }
    return result.then(done, failed);
  };
}

registerFilter('shutdown', (options) => gracefulShutdownFilter((options as ShutdownTracker) ?? new ShutdownTracker()));
