/**
 * The governance scenarios (governance-scenarios.ts) through a real etcd:
 * the same keys as ZooKeeper, read through prefix and exact-key watches.
 */
import { describeGovernance } from './governance-scenarios.js';

describeGovernance('etcd');
