/** The governance scenarios (governance-scenarios.ts) through a real ZooKeeper. */
import { describeGovernance } from './governance-scenarios.js';

describeGovernance('zookeeper');
