/**
 * getty's EventListener (go-anchors §1.1). One listener shape for every
 * transport. Handlers may be sync or async; a rejected promise from onMessage
 * is reported through onError and does not close the session.
 */
import type { RpcError } from '../common/rpc-error.js';
import type { Session } from './session.js';

export interface EventListener<P = unknown> {
  /** Throwing refuses the session; no onClose follows. */
  onOpen?(session: Session<P>): void;
  /** Once per decoded package (UDP endpoints: a `UdpContext`). */
  onMessage?(session: Session<P>, pkg: P): void | Promise<void>;
  /** Every cron period, from the shared timer wheel. */
  onCron?(session: Session<P>): void;
  /** Before onClose when the session ends because of an error. */
  onError?(session: Session<P>, err: RpcError): void;
  /** Exactly once per session that was opened. */
  onClose?(session: Session<P>): void;
}
