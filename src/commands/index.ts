import type { Command } from './common.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { indexCommand } from './index-cmd.js';
import { infoCommand } from './info.js';
import { queryCommand } from './query.js';
import { serveCommand } from './serve.js';
import { synthCommand } from './synth.js';

export const COMMANDS: Record<string, Command> = {
  index: indexCommand,
  query: queryCommand,
  info: infoCommand,
  serve: serveCommand,
  demo: demoCommand,
  eval: evalCommand,
  synth: synthCommand,
};

export function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.help}`);
  return `groovematch: rhythm-first music similarity\n\nUsage:\n${lines.join('\n')}\n\nEnvironment: DATA_DIR (default ./data), PORT (default 3000).\n`;
}
