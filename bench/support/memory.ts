import { readFileSync } from 'node:fs';

/**
 * Peak resident set size (VmHWM: the most physical memory the process ever held) of a live process
 * in MB (10^6 bytes), or null when it is gone. Read just before a service is stopped, it covers
 * its whole run: start-up, every measurement and the idle time between them.
 */
export function peakRssMb(pid: number): number | null {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? null : (Number(kib) * 1024) / 1e6;
  } catch {
    return null;
  }
}
