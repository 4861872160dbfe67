// Worker entry when running from TypeScript sources (tests, tsx): on node 20 a worker ignores
// `--import tsx` in execArgv, so the loader is registered here before the real worker is loaded.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
