/** Imports every system (each registers itself) in table order. */
import './raw-net.js';

export { getSystem, systemIds } from './system-registry.js';
