// The module boundaries that lint enforces, proven on the real configuration and project graph: each
// forbidden import is written on top of a real file of the project it would break (as text; the
// file on disk is untouched) and must be refused with the rule's message; the allowed ones pass.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');

interface Case {
  file: string;
  imports: string[];
}

/** The boundary messages on the added lines, per case, from one ESLint process. */
function boundaryErrors(cases: Case[]): string[][] {
  const input = cases.map(({ file, imports }) => ({
    file,
    text: `${imports.join('\n')}\n${readFileSync(join(ROOT, file), 'utf8')}`,
  }));
  const output = execFileSync(process.execPath, [join(__dirname, 'lint-texts.mjs')], {
    cwd: ROOT,
    input: JSON.stringify(input),
    timeout: 150_000,
  });
  return (JSON.parse(output.toString()) as string[][]).map((messages, i) =>
    messages.filter((message) => Number(message.split(':')[0]) <= cases[i].imports.length),
  );
}

const SERVICE: Case = {
  file: 'services/erp-orders/src/app.module.ts',
  imports: [
    "import '@switchboard/testing';",
    "import '../../ingest/src/service.definition';",
    "import '../../../libs/kafka/src/kafka-connection';",
    "import '@switchboard/kafka';",
  ],
};
const CORE_LIB: Case = {
  file: 'libs/inbox/src/index.ts',
  imports: ["import '@switchboard/connectors';", "import '@switchboard/downstream';"],
};
const TOOL: Case = {
  file: 'scripts/switchboard.ts',
  imports: [
    "import '@switchboard/testing';",
    "import '../services/ingest/src/events/events.service';",
    "import '../services/ingest/src/service.definition';",
    "import '../services/ingest/src/provision';",
  ],
};
const SUITE: Case = {
  file: 'test/support/stack.ts',
  imports: [
    "import '@switchboard/testing';",
    "import '../../services/ingest/src/events/events.service';",
    "import '../../scripts/generate-k8s';",
  ],
};

const BY_PATH = 'Projects cannot be imported by a relative or absolute path, and must begin with a npm scope';

describe('module boundaries (eslint with the Nx project graph)', () => {
  let results: string[][];

  beforeAll(() => {
    // The rule reads the cached project graph; computing it is what `npm test` does before lint.
    execFileSync('npx', ['nx', 'show', 'projects'], { cwd: ROOT, stdio: 'ignore', timeout: 60_000 });
    results = boundaryErrors([SERVICE, CORE_LIB, TOOL, SUITE]);
  });

  it('knows test/, scripts/ and bench/ as projects beside the services and libraries', () => {
    const projects = execFileSync('npx', ['nx', 'show', 'projects', '--json'], {
      cwd: ROOT,
      timeout: 60_000,
    });
    expect(JSON.parse(projects.toString())).toEqual(
      expect.arrayContaining(['suites', 'scripts', 'bench', 'ingest', 'inbox']),
    );
  });

  it('builds each service, library, tool and the bench on its own, with a cacheable build target', () => {
    const json = execFileSync('npx', ['nx', 'show', 'projects', '--withTarget', 'build', '--json'], {
      cwd: ROOT,
      timeout: 60_000,
    });
    const built = JSON.parse(json.toString()) as string[];
    expect(built).toEqual(
      expect.arrayContaining(['erp-orders', 'ingest', 'inbox', 'contracts', 'scripts', 'bench']),
    );
    for (const project of ['erp-orders', 'inbox']) {
      const shown = execFileSync('npx', ['nx', 'show', 'project', project, '--json'], {
        cwd: ROOT,
        timeout: 60_000,
      });
      const { targets } = JSON.parse(shown.toString()) as {
        targets: Record<string, { cache?: boolean; dependsOn?: string[]; options?: { command?: string } }>;
      };
      // One swc pass over the project itself, after its libraries: not the whole repository.
      expect(targets.build).toMatchObject({ cache: true, dependsOn: ['^build'] });
      expect(targets.build.options?.command).toMatch(/^swc (services|libs)\/[a-z-]+ --out-dir dist/);
    }
  });

  it('a service may not import the test helpers, another service, or a library by path', () => {
    expect(results[0]).toEqual([
      '1: A project tagged with "type:service" can not depend on libs tagged with "layer:testing"',
      `2: ${BY_PATH}`,
      `3: ${BY_PATH}`,
    ]);
  });

  it('a core library may not import a vendor adapter', () => {
    expect(results[1]).toEqual([
      '1: A project tagged with "layer:core" can only depend on libs tagged with "layer:core"',
    ]);
  });

  it('a shipped tool reads service declarations only, and never the test helpers', () => {
    expect(results[2]).toEqual([
      '1: A project tagged with "type:tool" can not depend on libs tagged with "layer:testing"',
      `2: ${BY_PATH}`,
    ]);
  });

  it('the suites may exercise services and tools, and use the test helpers', () => {
    expect(results[3]).toEqual([]);
  });
});
