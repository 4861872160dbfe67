// The mel helper's entry when running from TypeScript sources (tests, tsx), as worker-dev.mjs is the pool's.
import { register } from 'tsx/esm/api';

register();
await import('./mel-worker.ts');
