// Process inspection through /proc (Linux), for assertions such as "no orphan ffmpeg is left" and
// for measuring the CPU a server or pipeline costs. Everything here is synchronous and cheap.
import * as fs from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Single-letter state from /proc/<pid>/stat: R, S, D, Z (zombie), T, ... */
  state: string;
  /** Executable name as the kernel reports it (at most 15 characters). */
  comm: string;
  cmdline: string[];
  /** utime + stime in clock ticks. */
  cpuTicks: number;
}

/** Linux reports /proc times in USER_HZ, which is 100 on every mainstream architecture. */
export const CLOCK_TICKS_PER_SECOND = 100;

/** Parse the body of /proc/<pid>/stat; comm may contain spaces and parentheses, so split at the last ')'. */
export function parseStat(text: string): Pick<ProcInfo, 'pid' | 'ppid' | 'state' | 'comm' | 'cpuTicks'> | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
  };
}

/** Snapshot of one process, or undefined when it does not exist (any more). */
export function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (!stat) return undefined;
    let cmdline: string[] = [];
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s, i, a) => s !== '' || i < a.length - 1);
    } catch {
      // zombies and kernel threads have no readable cmdline
    }
    return { ...stat, cmdline };
  } catch {
    return undefined;
  }
}

/** Every process visible in /proc. */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProc(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** True while `pid` exists and is not a zombie (a killed child nobody has reaped yet counts as dead). */
export function processAlive(pid: number): boolean {
  const info = readProc(pid);
  return info !== undefined && info.state !== 'Z' && info.state !== 'X';
}

/** Direct children of `pid`, or all descendants with `recursive`. */
export function childPids(pid: number, opts: { recursive?: boolean } = {}): number[] {
  const all = listProcesses();
  const byParent = new Map<number, number[]>();
  for (const p of all) {
    const list = byParent.get(p.ppid);
    if (list) list.push(p.pid);
    else byParent.set(p.ppid, [p.pid]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const kids = byParent.get(queue.shift() as number) ?? [];
    out.push(...kids);
    if (opts.recursive) queue.push(...kids);
  }
  return out;
}

/**
 * Live (non-zombie) processes whose command line contains `pattern` (a substring or RegExp tested
 * against the space-joined argv), optionally only those whose executable name is `comm`
 * (e.g. 'ffmpeg'). This process is never included.
 */
export function findProcesses(pattern: string | RegExp, opts: { comm?: string } = {}): ProcInfo[] {
  return listProcesses().filter((p) => {
    if (p.pid === process.pid || p.state === 'Z' || p.cmdline.length === 0) return false;
    if (opts.comm && p.comm !== opts.comm) return false;
    const line = p.cmdline.join(' ');
    return typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line);
  });
}

/** PIDs of live ffmpeg processes whose command line contains `marker`. */
export function ffmpegPidsWith(marker: string | RegExp): number[] {
  return findProcesses(marker, { comm: 'ffmpeg' }).map((p) => p.pid);
}

/** Seconds of CPU (user + system) the processes have used so far; missing processes count 0. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readProc(pid)?.cpuTicks ?? 0;
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/**
 * Average CPU use of `pids` over `ms` milliseconds, in percent of ONE core (200 = both cores of a
 * two-core machine busy). Resolution is 10 ms of CPU, so sample for seconds, not milliseconds.
 */
export async function sampleCpuPercent(pids: number[] | (() => number[]), ms: number): Promise<number> {
  const list = () => (typeof pids === 'function' ? pids() : pids);
  const startPids = list();
  const before = new Map(startPids.map((p) => [p, readProc(p)?.cpuTicks ?? 0]));
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, ms));
  const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
  let ticks = 0;
  for (const pid of new Set([...startPids, ...list()])) {
    const now = readProc(pid)?.cpuTicks;
    if (now !== undefined) ticks += now - (before.get(pid) ?? 0);
  }
  return (ticks / CLOCK_TICKS_PER_SECOND / elapsedS) * 100;
}

/** Poll until none of `pids` is alive; resolves false if some are still alive after `timeoutMs`. */
export async function waitForExit(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(processAlive)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}
