#!/usr/bin/env node
// `npx ferretwatch <command> …`: the runtime without Node-RED. Each command lives in
// cli/commands/<name>.ts and exports `run(argv): Promise<number>` (the exit code) and `usage`.
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Command {
  usage: string;
  run(argv: string[]): Promise<number>;
}

function commands(): Record<string, string> {
  const dir = path.join(__dirname, 'commands');
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.js')) out[f.slice(0, -3)] = path.join(dir, f);
  return out;
}

async function main(argv: string[]): Promise<number> {
  const all = commands();
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    const lines = Object.keys(all)
      .sort()
      .map((n) => `  ${(require(all[n]) as Command).usage}`);
    console.log(`usage: ferretwatch <command> [options]\n\ncommands:\n${lines.join('\n')}`);
    return name ? 0 : 2;
  }
  const file = all[name];
  if (!file) {
    console.error(`ferretwatch: unknown command "${name}" (try: ${Object.keys(all).sort().join(', ')})`);
    return 2;
  }
  return (require(file) as Command).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    // One line, no stack: bad input is the user's to fix, and the message says how.
    console.error(`ferretwatch: ${e.message}`);
    process.exitCode = 1;
  },
);
