// What a benchmark ran on, recorded with its figures: figures from a loaded 2-core box and from an
// idle 8-core one are not comparable, so the load average goes in too.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';

export interface MachineInfo {
  cpus: number;
  model: string;
  memGb: number;
  node: string;
  /** 1, 5 and 15 minute load averages when the benchmark started. */
  loadavg: number[];
  [tool: string]: unknown;
}

/** First line of `<exe> -version`-style output matching `re`, or undefined. */
export function toolVersion(exe: string, args: string[], re: RegExp): string | undefined {
  const r = spawnSync(exe, args, { encoding: 'utf8', timeout: 10_000 });
  return re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1];
}

export function machineInfo(extra: Record<string, unknown> = {}): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: (cpus[0]?.model ?? 'unknown').trim(),
    memGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    ...extra,
  };
}
