/**
 * Entry of the browser bundle (dist/browser/getty-rpc-browser.js): the
 * browser client plus what a page needs to define services and read errors.
 */
export { ErrorCode, isRpcError, RpcError } from '../../common/rpc-error.js';
export { defineService } from '../service.js';
export { BrowserRpcClient, type BrowserRpcClientOptions } from './browser-client.js';
export type { BrowserCall, BrowserProxy, BrowserReferOptions } from './browser-proxy.js';
export type { BrowserSocket, BrowserSocketClass } from './browser-socket.js';
