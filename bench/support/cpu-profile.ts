import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a V8 .cpuprofile (node --cpu-prof) this summary reads. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Sampled wall time while the process was busy (idle excluded), ms. */
  busyMs: number;
  /** Self time by package / file, percent of busy time. */
  byPackage: Array<[string, number]>;
  /** Inclusive time of selected frames (application code and the libraries around it), percent of busy time. */
  inclusive: Array<[string, number]>;
}

function where(url: string): string {
  if (!url) return '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node core';
  const dist = /\/dist\/(.*)$/.exec(url);
  return dist ? dist[1].replace(/\.js$/, '') : url;
}

/** Self time by package and inclusive time of the interesting frames of one CPU profile. */
export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const timeById = new Map<number, number>();
  profile.samples.forEach((id, index) =>
    timeById.set(id, (timeById.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)),
  );

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of timeById) {
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') continue;
    busy += micros;
    const key = node.callFrame.url ? where(node.callFrame.url) : `(${name || 'native'})`;
    self.set(key, (self.get(key) ?? 0) + micros);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)!.callFrame;
      if (
        !frame.url ||
        !/dist\/(libs|services)|typeorm|class-validator|class-transformer|@platformatic\/kafka|pg\/lib/.test(
          frame.url,
        )
      )
        continue;
      const label = `${frame.functionName || '(anonymous)'} ${where(frame.url)}:${frame.lineNumber + 1}`;
      if (seen.has(label)) continue;
      seen.add(label);
      inclusive.set(label, (inclusive.get(label) ?? 0) + micros);
    }
  }
  const percent = (entries: Map<string, number>, limit: number): Array<[string, number]> =>
    [...entries]
      .sort(([, a], [, b]) => b - a)
      .slice(0, limit)
      .map(([key, micros]) => [key, (100 * micros) / Math.max(1, busy)]);
  return { file, busyMs: busy / 1000, byPackage: percent(self, 14), inclusive: percent(inclusive, 25) };
}

/** The newest .cpuprofile in `dir`, if any. */
export function newestProfile(dir: string): string | null {
  try {
    const files = readdirSync(dir)
      .filter((name) => name.endsWith('.cpuprofile'))
      .map((name) => join(dir, name))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    return files[0] ?? null;
  } catch {
    return null;
  }
}

export function formatProfile(summary: ProfileSummary): string {
  const rows = (entries: Array<[string, number]>) =>
    entries.map(([key, value]) => `    ${value.toFixed(1).padStart(5)}%  ${key}`).join('\n');
  return [
    `CPU profile ${summary.file} (${(summary.busyMs / 1000).toFixed(1)} s busy)`,
    '  self time by package/file:',
    rows(summary.byPackage),
    '  inclusive time (application and library frames):',
    rows(summary.inclusive),
  ].join('\n');
}

// `node dist/bench/support/cpu-profile.js <file.cpuprofile>...` prints the same summary.
if (require.main === module) {
  for (const file of process.argv.slice(2)) console.log(formatProfile(summarizeProfile(file)));
}
