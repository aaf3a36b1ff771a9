/** Imports every system (each registers itself) in table order. */
import './raw-net.js';
import './grpc-js.js';
import './sofa-rpc.js';
import './getty-transport.js';
import './getty-rpc.js';
import './getty-rpc-protobuf.js';

export { getSystem, systemIds } from './system-registry.js';
