/** The small part of sofa-rpc-node (untyped CommonJS) the bench uses. */
declare module 'sofa-rpc-node' {
  import type { Server, Socket } from 'node:net';

  interface SofaLogger {
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
    debug(...args: unknown[]): void;
  }

  class RpcServer {
    constructor(options: { logger: SofaLogger; port: number; [key: string]: unknown });
    addService(info: { interfaceName: string }, delegate: Record<string, (...args: never[]) => unknown>): void;
    start(): Promise<void>;
    close(): Promise<void>;
    publishPort: number;
    _startServer(port: number): Server;
    _handleSocket(socket: Socket): void;
  }

  interface Consumer {
    ready(): Promise<void>;
    invoke(method: string, args: unknown[], options?: { responseTimeout?: number }): Promise<unknown>;
  }

  class RpcClient {
    constructor(options: { logger: SofaLogger; [key: string]: unknown });
    createConsumer(options: { interfaceName: string; serverHost?: string; [key: string]: unknown }): Consumer;
    close(): Promise<void>;
  }

  const sofa: {
    server: { RpcServer: typeof RpcServer };
    client: { RpcClient: typeof RpcClient };
  };
  export default sofa;
}
