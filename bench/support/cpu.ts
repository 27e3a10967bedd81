import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

export const EVERYTHING_ELSE = 'everything else on the machine';

/** Linux reports process CPU time in clock ticks; USER_HZ is 100 on every mainstream kernel. */
const TICKS_PER_SECOND = 100;

/** user + system CPU ticks of one process, or null when it is gone. */
function processTicks(pid: number): number | null {
  return statTicks(`/proc/${pid}/stat`);
}

/** user + system CPU ticks from a /proc stat file (a process's or one of its threads'). */
function statTicks(path: string): number | null {
  try {
    const stat = readFileSync(path, 'utf8');
    // Fields after "(comm)": state is field 3, utime field 14, stime field 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/**
 * Write system calls of one process so far (`syscw` of /proc/<pid>/io), or null when it is gone.
 * Node and the JVM send every request to PostgreSQL or Kafka, and every HTTP response, with one
 * write or writev: a count of round trips, which no other process's load inflates (per event it
 * still follows the batch sizes, as the CPU does). PostgreSQL answers with send(), which this count
 * leaves out; its writes are WAL and data files.
 */
function processWrites(pid: number): number | null {
  try {
    const match = /^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Pids whose command name (/proc/<pid>/comm) is `name`, e.g. every PostgreSQL backend. */
export function pidsByComm(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/**
 * PostgreSQL processes by role, from their process titles ("postgres: 15/main: <user> <db> <client> <state>"):
 * `backends` serve database `database` (autovacuum workers on it included), `shared` are the
 * server-wide helpers (postmaster, WAL writer, checkpointer, background writer, ...). Backends of
 * other databases are in neither: they are someone else's work.
 */
export function postgresPids(database: string): { backends: number[]; shared: number[] } {
  const backends: number[] = [];
  const shared: number[] = [];
  for (const pid of pidsByComm('postgres')) {
    let title: string;
    try {
      title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue;
    }
    const words = title.split(/\s+/);
    if (!title.startsWith('postgres:'))
      shared.push(pid); // the postmaster
    else if (words.includes(database)) backends.push(pid);
    else if (!/\d+\.\d+\.\d+\.\d+\(|\[local\]|autovacuum worker/.test(title)) shared.push(pid);
  }
  return { backends, shared };
}

/**
 * CPU ticks the JIT compiler threads of these JVMs (HotSpot's "C1 CompilerThread<n>" and
 * "C2 CompilerThread<n>") have used so far: a JVM still compiling its hot paths.
 */
export function jitCompilerTicks(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    let threads: string[];
    try {
      threads = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const tid of threads) {
      try {
        if (!/^C[12] CompilerThre/.test(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8'))) continue;
      } catch {
        continue;
      }
      ticks += statTicks(`/proc/${pid}/task/${tid}/stat`) ?? 0;
    }
  }
  return ticks;
}

/** Pids whose command line contains `needle` (e.g. the Kafka broker's main class). */
export function pidsByCmdline(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

export interface CpuReport {
  seconds: number;
  /** Busy share of the whole machine, 0-100 (all cores). */
  machineBusyPercent: number;
  /** CPU per group in percent of ONE core (100 = one core saturated). */
  percentOfOneCore: Record<string, number>;
  /** Write system calls per second per group (see processWrites). */
  writesPerSecond: Record<string, number>;
}

/**
 * CPU used by groups of processes over a window, from /proc: which process burns the cores while a
 * phase runs. A group's pids are listed at the start and at the end; a process that starts inside
 * the window counts whole, one that exits inside it is lost (the services' pools keep their
 * PostgreSQL backends, so in practice nothing is).
 */
export class CpuWindow {
  private startedAt = 0;
  private machineAtStart = { busy: 0, total: 0 };
  private readonly ticksAtStart = new Map<string, Map<number, number>>();
  private readonly writesAtStart = new Map<string, Map<number, number>>();
  private benchAtStart: NodeJS.CpuUsage = process.cpuUsage();

  constructor(
    private readonly groups: Record<string, () => number[]>,
    /** Name under which this (the benchmark's own) process is reported. */
    private readonly selfLabel = 'bench process',
  ) {}

  start(): this {
    this.startedAt = performance.now();
    this.machineAtStart = machineTicks();
    this.benchAtStart = process.cpuUsage();
    for (const [name, pids] of Object.entries(this.groups)) {
      const ticks = new Map<number, number>();
      const writes = new Map<number, number>();
      for (const pid of pids()) {
        const value = processTicks(pid);
        if (value !== null) ticks.set(pid, value);
        const written = processWrites(pid);
        if (written !== null) writes.set(pid, written);
      }
      this.ticksAtStart.set(name, ticks);
      this.writesAtStart.set(name, writes);
    }
    return this;
  }

  stop(): CpuReport {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const machine = machineTicks();
    const percentOfOneCore: Record<string, number> = {};
    const writesPerSecond: Record<string, number> = {};
    for (const [name, pids] of Object.entries(this.groups)) {
      const before = this.ticksAtStart.get(name) ?? new Map<number, number>();
      const writesBefore = this.writesAtStart.get(name) ?? new Map<number, number>();
      let ticks = 0;
      let writes = 0;
      for (const pid of new Set([...pids(), ...before.keys()])) {
        const now = processTicks(pid);
        if (now === null) continue;
        ticks += now - (before.get(pid) ?? 0);
        writes += (processWrites(pid) ?? 0) - (writesBefore.get(pid) ?? 0);
      }
      percentOfOneCore[name] = (100 * ticks) / TICKS_PER_SECOND / seconds;
      writesPerSecond[name] = writes / seconds;
    }
    const bench = process.cpuUsage(this.benchAtStart);
    percentOfOneCore[this.selfLabel] = (100 * (bench.user + bench.system)) / 1e6 / seconds;
    const total = machine.total - this.machineAtStart.total;
    const machineBusyPercent = total > 0 ? (100 * (machine.busy - this.machineAtStart.busy)) / total : 0;
    // Whatever else ran meanwhile (other users' builds and tests, the kernel): it shares the cores.
    const ours = Object.values(percentOfOneCore).reduce((sum, value) => sum + value, 0);
    percentOfOneCore[EVERYTHING_ELSE] = Math.max(0, machineBusyPercent * cpus().length - ours);
    return { seconds, machineBusyPercent, percentOfOneCore, writesPerSecond };
  }
}

export function formatCpu(report: CpuReport): string {
  const parts = Object.entries(report.percentOfOneCore)
    .filter(([, value]) => value >= 0.5)
    .sort(([, a], [, b]) => b - a)
    .map(([name, value]) => `${name} ${value.toFixed(0)}%`);
  return `machine ${report.machineBusyPercent.toFixed(0)}% busy of all cores; per process group (% of one core): ${parts.join(', ')}`;
}

/**
 * CPU milliseconds each process group spent per event at `eventsPerSecond`: unlike a rate, this
 * hardly depends on what else shares the machine, and it bounds the rate on idle cores:
 * a single-threaded node process cannot exceed 1000 / its ms per event.
 */
export function cpuPerEvent(report: CpuReport, eventsPerSecond: number): Record<string, number> {
  const perEvent: Record<string, number> = {};
  if (!(eventsPerSecond > 0)) return perEvent;
  for (const [name, percent] of Object.entries(report.percentOfOneCore)) {
    if (name === EVERYTHING_ELSE) continue;
    perEvent[name] = (10 * percent) / eventsPerSecond; // percent of one core = 10 ms of CPU per second
  }
  return perEvent;
}

/** Groups that are the benchmark's own work, not the system under test. */
export const BENCH_GROUPS = /^bench \((load generator|poller)\)$|bench queries/;

/** Write system calls per event of each group that made any (the round trips behind its CPU). */
function writesPerEvent(report: CpuReport, eventsPerSecond: number): Record<string, number> {
  const perEvent: Record<string, number> = {};
  if (!(eventsPerSecond > 0)) return perEvent;
  for (const [name, perSecond] of Object.entries(report.writesPerSecond))
    if (perSecond > 0) perEvent[name] = perSecond / eventsPerSecond;
  return perEvent;
}

/** What each process group spent per event at `eventsPerSecond`: CPU and write system calls. */
export function costPerEvent(
  report: CpuReport,
  eventsPerSecond: number,
): { cpuMsPerEvent: Record<string, number>; writesPerEvent: Record<string, number> } {
  return {
    cpuMsPerEvent: cpuPerEvent(report, eventsPerSecond),
    writesPerEvent: writesPerEvent(report, eventsPerSecond),
  };
}

export function formatWritesPerEvent(perEvent: Record<string, number>): string {
  const entries = Object.entries(perEvent).sort(([, a], [, b]) => b - a);
  return `write system calls per event (PostgreSQL's: files only): ${entries
    .map(([name, writes]) => `${name} ${writes.toFixed(2)}`)
    .join(', ')}`;
}

export function formatPerEvent(perEvent: Record<string, number>, loadGenerator?: string): string {
  const entries = Object.entries(perEvent)
    .filter(([, ms]) => ms >= 0.005)
    .sort(([, a], [, b]) => b - a);
  const system = entries.filter(([name]) => name !== loadGenerator && !BENCH_GROUPS.test(name));
  const total = system.reduce((sum, [, ms]) => sum + ms, 0);
  const bound = total > 0 ? (cpus().length * 1000) / total : NaN;
  return (
    `CPU per event: ${entries.map(([name, ms]) => `${name} ${ms.toFixed(2)} ms`).join(', ')}; ` +
    `system total ${total.toFixed(2)} ms -> at most ~${bound.toFixed(0)} events/s on ${cpus().length} idle cores`
  );
}

/** Percent of all cores busy over the next `ms` milliseconds. */
export async function machineBusy(ms: number): Promise<number> {
  const before = machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineTicks();
  const total = after.total - before.total;
  return total > 0 ? (100 * (after.busy - before.busy)) / total : 0;
}
