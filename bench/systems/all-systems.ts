/** Imports every system (each registers itself) in table order. */
import './raw-net.js';
import './grpc-js.js';
import './sofa-rpc.js';

export { getSystem, systemIds } from './system-registry.js';
