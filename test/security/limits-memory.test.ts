/** The in-process LimitStore against the shared contract (one object is the state every caller shares). */
import { MemoryLimitStore } from '../../src/security/limits/index.js';
import { runLimitStoreContract } from './limits-contract.js';

runLimitStoreContract('memory', async (count) => {
  const store = new MemoryLimitStore();
  return Array.from({ length: count }, () => store);
});
