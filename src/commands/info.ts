import { Catalog } from '../catalog/store.js';
import { CatalogError } from '../recommend/catalog-view.js';
import { DATA_OPTION, dataDir, type Command } from './common.js';

export const infoCommand: Command = {
  help: 'groovematch info [--data DIR] [--json]   what the catalogue holds',
  options: { ...DATA_OPTION, json: { type: 'boolean' } },
  async run(v) {
    let cat: Catalog;
    try {
      cat = Catalog.open(dataDir(v), { readonly: true });
    } catch (err) {
      throw new CatalogError((err as Error).message);
    }
    try {
      const info = cat.info();
      if (v.json) process.stdout.write(JSON.stringify(info) + '\n');
      else {
        for (const [key, value] of Object.entries(info)) process.stdout.write(`${key.padEnd(16)} ${value ?? '-'}\n`);
      }
    } finally {
      cat.close();
    }
    return 0;
  },
};
