import fs from 'node:fs';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { CATALOG_FILE, Catalog } from '../catalog/store.js';
import { createRecommender } from '../recommend/query.js';
import { createApp } from '../web/app.js';
import { DATA_OPTION, dataDir, intOption, type Command } from './common.js';
import { buildDemo } from './demo.js';

/** True when the data dir holds a catalogue with at least one track. */
function hasCatalog(dir: string): boolean {
  if (!fs.existsSync(path.join(dir, CATALOG_FILE))) return false;
  const cat = Catalog.open(dir, { readonly: true });
  try {
    return cat.info().tracks > 0 && cat.info().feature_version !== null;
  } finally {
    cat.close();
  }
}

export const serveCommand: Command = {
  help: 'groovematch serve [--data DIR] [--port N] [--host H] [--workers N] [--demo-if-empty]   run the web site',
  options: {
    ...DATA_OPTION,
    port: { type: 'string' },
    host: { type: 'string' },
    workers: { type: 'string' },
    'demo-if-empty': { type: 'boolean' },
  },
  async run(v) {
    const dir = dataDir(v);
    const port = intOption({ port: v.port ?? process.env.PORT }, 'port', 3000, 0, 65535);
    const host = (v.host as string | undefined) ?? process.env.HOST ?? '127.0.0.1';
    const workers = intOption(v, 'workers', availableParallelism(), 1, 64);
    if (v['demo-if-empty'] && !hasCatalog(dir)) {
      process.stderr.write(`No catalogue in ${dir}: synthesising the demo catalogue first (once).\n`);
      await buildDemo(dir, { workers });
    }
    const recommender = createRecommender(dir, { workers, maxQueue: 4 * workers, timeoutMs: 120_000, maxSeconds: 600 });
    const uploadsDir = path.resolve(process.env.UPLOADS_DIR ?? 'uploads');
    const web = createApp({ recommender, uploadsDir });
    const server = web.app.listen(port, host);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const addr = server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    const info = recommender.info();
    process.stdout.write(`groovematch serving ${info.tracks} tracks on http://${host}:${actual}/\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        server.close(() => resolve());
        server.closeAllConnections();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    web.close();
    await recommender.close();
    return 0;
  },
};
