// The Dockerfile cannot be built here (no Docker engine); these checks pin what the image must be and
// tie it to what prod-build.test.ts runs: the same build script, production dependencies only, the same
// entry points.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ALL_SERVICES } from '../../scripts/provision-all';

const ROOT = join(__dirname, '..', '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const scripts = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** Instructions with their continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

function stages(): Array<{ name: string; lines: string[] }> {
  const result: Array<{ name: string; lines: string[] }> = [];
  for (const line of instructions) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) result.push({ name: from[1] ?? String(result.length), lines: [line] });
    else result.at(-1)?.lines.push(line);
  }
  return result;
}

describe('Dockerfile', () => {
  it('is multi-stage on one pinned Node.js LTS base image', () => {
    const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile);
    expect(arg).not.toBeNull();
    // An exact release of an even (LTS) major on Debian slim; never a floating tag.
    expect(arg![1]).toMatch(/^node:(\d*[02468])\.\d+\.\d+-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/);
    // The release the tests and the two commands run on (.nvmrc) is the one the image ships.
    const pinned = readFileSync(join(__dirname, '../../.nvmrc'), 'utf8').trim();
    expect(arg![1]).toMatch(new RegExp(`^node:${pinned.replace(/\./g, '\\.')}-`));
    expect(stages().map((stage) => stage.name)).toEqual(['build', 'deps', 'runtime']);
    for (const stage of stages()) expect(stage.lines[0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS /);
  });

  it('builds with the tested build script and installs production dependencies only', () => {
    const [build, deps, runtime] = stages();
    expect(build.lines).toContain('RUN npm run build:prod');
    expect(scripts['build:prod']).toContain('--out-dir dist/prod');
    expect(deps.lines.join('\n')).toMatch(/^RUN npm ci --omit=dev/m);
    const copies = runtime.lines.filter((line) => line.startsWith('COPY'));
    expect(copies).toEqual([
      'COPY --from=deps /app/node_modules ./node_modules',
      'COPY --from=build /app/dist/prod/libs ./dist/libs',
      'COPY --from=build /app/dist/prod/services ./dist/services',
      'COPY --from=build /app/dist/prod/scripts ./dist/scripts',
      'COPY package.json ./',
    ]);
    // The operator CLI is compiled by the same build (prod-build.test.ts runs it from there).
    expect(scripts['build:prod']).toMatch(/scripts\/switchboard\.ts/);
    expect(build.lines).toContain('COPY scripts/switchboard.ts scripts/provision-all.ts ./scripts/');
    expect(build.lines).toContain('COPY scripts/cli ./scripts/cli');
  });

  it('runs as a non-root user, writes nothing at run time, and starts the service like the tests do', () => {
    const runtime = stages()[2];
    const user = runtime.lines.filter((line) => line.startsWith('USER'));
    expect(user).toEqual(['USER 1000:1000']);
    const afterUser = runtime.lines.slice(runtime.lines.indexOf(user[0]));
    expect(afterUser.filter((line) => /^(RUN|COPY|ADD)\b/.test(line))).toEqual([]);
    expect(runtime.lines).toContain('RUN ln -s "services/${SERVICE}/src/main.js" dist/main.js');
    expect(runtime.lines.at(-1)).toBe('CMD ["node", "--enable-source-maps", "dist/main.js"]');
    expect(runtime.lines.join('\n')).toMatch(/NODE_ENV=production/);
    // Every service has the entry points the image and the migration Job use.
    for (const definition of ALL_SERVICES) {
      expect(readFileSync(join(ROOT, 'services', definition.name, 'src/main.ts'), 'utf8')).toContain(
        'bootstrapService',
      );
      expect(readFileSync(join(ROOT, 'services', definition.name, 'src/provision.ts'), 'utf8')).toContain(
        'runProvision',
      );
    }
  });

  it('keeps the build context small and free of local state', () => {
    // scripts/ is ignored except the operator CLI the build stage copies.
    expect(dockerignore).toEqual(
      expect.arrayContaining([
        'scripts/*',
        '!scripts/switchboard.ts',
        '!scripts/provision-all.ts',
        '!scripts/cli',
      ]),
    );
    for (const entry of ['**/node_modules', 'dist', '.stack', '.git', 'test', 'k8s', 'deploy']) {
      expect(dockerignore).toContain(entry);
    }
    for (const needed of [
      'package.json',
      'package-lock.json',
      '.swcrc',
      'tsconfig.base.json',
      'libs',
      'services',
    ]) {
      expect(dockerignore).not.toContain(needed);
    }
  });
});
