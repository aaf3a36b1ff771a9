/** IPC between the connection-scale runner and its client children. */

export interface ConnscaleClientConfig {
  host: string;
  port: number;
  /** 127.0.0.x source addresses; one address has ~28 000 ephemeral ports. */
  localAddresses: string[];
  /** Connections opened from each source address. */
  perAddress: number;
  /** Heartbeat period per connection, in ms; 0 = no heartbeats. */
  heartbeatMs: number;
  /** The heartbeat frame, hex (see heartbeat-frames.ts). */
  heartbeatHex: string;
}

export type ConnscaleClientEvent =
  | { type: 'connected'; held: number; dialErrors: number; firstError?: string }
  | { type: 'count'; open: number };
