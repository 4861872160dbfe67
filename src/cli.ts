#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { COMMANDS, usage } from './commands/index.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`groovematch: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`groovematch ${name}: ${(err as Error).message}\n${cmd.help}\n`);
    return 2;
  }
  return cmd.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Known failures carry a message meant for people; anything else is a bug worth a trace.
    const e = err as Error;
    const known = ['AudioError', 'CatalogError', 'IndexError', 'LockError', 'UsageError'].includes(e?.name);
    process.stderr.write(`groovematch: ${known ? e.message : (e?.stack ?? String(err))}\n`);
    process.exitCode = 1;
  },
);
