// Per-process resource readings from /proc (Linux) for benchmarks: CPU over a window as percent of
// one core, and resident memory. CPU sampling itself lives in test/support/procs.ts and is re-used.
import * as fs from 'node:fs';
export { sampleCpuPercent, cpuSeconds } from '../../test/support/procs';

/** VmRSS of a process in MB, or undefined when it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The 1-minute load average (for labelling noisy figures). */
export function loadavg1(): number {
  try {
    return Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}
