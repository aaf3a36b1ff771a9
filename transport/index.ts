/**
 * `getty-rpc/transport`: a TypeScript port of getty
 * (https://github.com/apache/dubbo-getty), usable without the RPC layer.
 * Guide: docs/transport.md; every exported name: docs/api.md. The `ws`
 * package loads with the first WebSocket endpoint, snappy with the first
 * snappy session.
 */
export {
  BaseSession,
  DEFAULT_CRON_PERIOD_MS,
  DEFAULT_FLUSH_THRESHOLD_BYTES,
  DEFAULT_MAX_MSG_LEN,
  DEFAULT_MAX_WRITE_BUFFER_BYTES,
  DEFAULT_WRITE_HIGH_WATER_MARK,
} from './base-session.js';
export { ClientEndpoint, type ClientEndpointOptions } from './client-endpoint.js';
export { CompressType, isCompressType } from './compress-type.js';
export {
  DEFAULT_MAX_SERVER_WRITE_BUFFER_BYTES,
  type EndpointAddress,
  type EndpointCommonOptions,
  type ListenOptions,
  type NewSessionCallback,
  type RefusalReason,
  type ServerStats,
} from './endpoint-options.js';
export { DEFAULT_HANDSHAKE_TIMEOUT_MS } from './handshake-guard.js';
export type { EventListener } from './event-listener.js';
export { LengthFieldCodec, type LengthFieldCodecOptions } from './length-field-codec.js';
export type { OffsetReader, ReadResult, Reader, ReadWriter, SlabWriter, Writer } from './package-handler.js';
export { ServerEndpoint } from './server-endpoint.js';
export type { Session, SessionKind, SessionStats } from './session.js';
export {
  createSimpleTaskPool,
  createTaskPool,
  FixedTaskPool,
  type SimpleTaskPoolOptions,
  type Task,
  type TaskPool,
  type TaskPoolOptions,
} from './task-pool.js';
export { createTcpClient, TcpClient, type TcpClientOptions } from './tcp-client.js';
export { createTcpServer, isSelfConnect, TcpServer, type TcpServerOptions } from './tcp-server.js';
export { TcpSession } from './tcp-session.js';
export { defaultTimerWheel, type TimerHandle, TimerWheel, type TimerWheelOptions } from './timer-wheel.js';
export { createUdpClient, UdpClient, type UdpClientOptions } from './udp-client.js';
export { createUdpEndpoint, UdpEndpoint, type UdpEndpointOptions } from './udp-endpoint.js';
export { CONNECT_PING, type UdpContext, type UdpPeer, UdpSession } from './udp-session.js';
export { createWsClient, WsClient, type WsClientOptions } from './ws-client.js';
export { createWsServer, WsServer, type WsServerOptions } from './ws-server.js';
export { WsSession } from './ws-session.js';
