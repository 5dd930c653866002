import { MemoryStreamBus } from '../../../src/infra/streams/memory-bus.js';
import { runBusContract } from './bus-contract.js';

runBusContract('memory', async ({ retentionMs }) => new MemoryStreamBus({ retentionMs }));
