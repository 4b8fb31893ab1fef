// A process's CPU time and memory, read from /proc as `ps` would: no cooperation from the process
// needed, so the server under test runs exactly as it would in production.
import { readFileSync } from 'node:fs';
import os from 'node:os';

// USER_HZ: 100 on every Linux platform Node supports (sysconf(_SC_CLK_TCK)).
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used so far (10 ms resolution). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may hold spaces: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Peak resident set size in bytes (VmHWM): the most the process has held so far. */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** The model name of the CPU, for the record. */
export function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The line every benchmark report starts with: the machine, its load, and when. */
export function machine(): string {
  const gib = (os.totalmem() / 1024 ** 3).toFixed(1);
  return `machine: ${os.availableParallelism()} CPUs (${cpuModel()}), ${gib} GiB RAM, node ${process.version}, ${os.type()} ${os.release()}; load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${new Date().toISOString()}`;
}
