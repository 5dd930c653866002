/**
 * Child-process entry: creates and migrates a PGlite data directory (initdb takes seconds and
 * leaves its memory in the process), so that the subgraph then opens an existing directory, as
 * it does on every restart in production and as the tests do from their template.
 */
import { openStore } from '../../src/store/index.js';

if (!process.send) throw new Error('init-store.ts runs as a forked child (see harness.ts)');
const dataDir = process.env['DATA_DIR'];
if (!dataDir) throw new Error('DATA_DIR is not set');
const store = await openStore({ dataDir, poolSize: 1 });
await store.close();
process.send({ type: 'ready', url: dataDir }, () => process.exit(0));
