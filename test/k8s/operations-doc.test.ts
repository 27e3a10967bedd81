// deploy/OPERATIONS.md's configuration reference names every variable the code reads: the properties of
// every validated env class and every `env.X` read directly, and every key the ConfigMaps set.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { getMetadataStorage } from 'class-validator';

import { renderK8sFiles } from '../../scripts/generate-k8s';
import { renderOverlay, type K8sObject } from './support';

const ROOT = join(__dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'deploy/OPERATIONS.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Properties of the class-validator env classes (`*Env`) exported by `file`. */
function envClassVariables(file: string): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require(file) as Record<string, unknown>;
  return Object.entries(exported)
    .filter(([name, value]) => name.endsWith('Env') && typeof value === 'function')
    .flatMap(([, cls]) =>
      // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
      getMetadataStorage().getTargetValidationMetadatas(cls as Function, '', true, false),
    )
    .map((metadata) => metadata.propertyName);
}

function documented(variable: string): boolean {
  return doc.includes(`| \`${variable}\``);
}

describe('deploy/OPERATIONS.md configuration reference', () => {
  const runtime = [...sources(join(ROOT, 'libs')), ...sources(join(ROOT, 'services'))].filter(
    (path) => !path.includes('/libs/testing/'),
  );

  it('documents every variable of every env class', () => {
    const files = runtime.filter((path) => /platform-env\.ts$|\.env\.ts$/.test(path));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const variables = [...new Set(files.flatMap(envClassVariables))];
    expect(variables).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'KAFKA_BROKERS', 'INGEST_SOURCE_SECRETS']),
    );
    expect(variables.filter((variable) => !documented(variable))).toEqual([]);
  });

  it('documents every variable read directly from the environment (Kafka security, provisioning)', () => {
    const variables = new Set<string>();
    for (const file of runtime) {
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/\benv\.([A-Z][A-Z0-9_]{2,})\b/g)) variables.add(match[1]);
      // Booleans read through the strict parser: envBoolean(env, 'NAME', fallback).
      for (const match of source.matchAll(/\benvBoolean\(\s*\w+,\s*'([A-Z][A-Z0-9_]{2,})'/g))
        variables.add(match[1]);
    }
    expect([...variables]).toEqual(
      expect.arrayContaining(['KAFKA_SASL_MECHANISM', 'KAFKA_SSL_CA_FILE', 'PROVISION_TOPICS']),
    );
    expect([...variables].filter((variable) => !documented(variable))).toEqual([]);
  });

  it('documents every key the Kubernetes ConfigMaps set', () => {
    const keys = new Set<string>();
    for (const [path, content] of Object.entries(renderK8sFiles())) {
      if (!path.endsWith('/configmap.yaml')) continue;
      for (const match of content.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)) keys.add(match[1]);
    }
    expect(keys.size).toBeGreaterThan(5);
    expect([...keys].filter((key) => !documented(key))).toEqual([]);
  });
});

// The kubectl runbook: every command of deploy/OPERATIONS.md, parsed and run against the render of the prod
// overlay as far as a cluster is not needed: label selectors select something, named objects exist, the
// namespace is the overlay's, an apply by label brings the ConfigMaps its Jobs mount, and the upgrade deletes
// every Job (they are immutable).
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument -- the render is untyped YAML */
type Any = any;

const KINDS: Record<string, string> = {
  job: 'Job',
  deployment: 'Deployment',
  kafkatopic: 'KafkaTopic',
  kafkauser: 'KafkaUser',
  configmap: 'ConfigMap',
  secret: 'Secret',
};

/** Shell-ish words: quotes and $(...) kept whole, pipes and && split commands. */
export function shellCommands(line: string): string[][] {
  const commands: string[][] = [[]];
  let word = '';
  let quote: string | null = null;
  let depth = 0;
  const flush = () => {
    if (word !== '') commands.at(-1)!.push(word);
    word = '';
  };
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quote) {
      if (c === quote && depth === 0) quote = null;
      else word += c;
      if (c === '(' && line[i - 1] === '$') depth += 1;
      if (c === ')' && depth > 0) depth -= 1;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ' ' || c === '\t') flush();
    else if (c === '|' || (c === '&' && line[i + 1] === '&')) {
      flush();
      commands.push([]);
      if (c === '&') i += 1;
    } else word += c;
  }
  flush();
  return commands.filter((command) => command.length > 0);
}

/** Every kubectl command line of the document: inline code and lines of bash blocks. */
export function runbookLines(markdown: string): string[] {
  const lines: string[] = [];
  for (const block of markdown.matchAll(/```bash\n([\s\S]*?)```/g))
    for (const line of block[1].split('\n')) if (/^kubectl /.test(line.trim())) lines.push(line.trim());
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  for (const match of prose.matchAll(/`([^`]*\bkubectl [^`]*)`/g)) lines.push(match[1]);
  return lines;
}

function selectorOf(text: string): (labels: Record<string, string> | undefined) => boolean {
  const pairs = text.split(',').map((pair) => pair.split('='));
  for (const pair of pairs) if (pair.length !== 2) throw new Error(`unsupported selector ${text}`);
  return (labels = {}) => pairs.every(([key, value]) => labels[key] === value);
}

interface Checked {
  problems: string[];
  deletedJobs: Set<string>;
  commands: number;
}

export function checkRunbook(lines: string[], objects: K8sObject[], namespace: string): Checked {
  const problems: string[] = [];
  const deletedJobs = new Set<string>();
  let commands = 0;
  const exists = (kind: string, name: string) =>
    objects.some((object) => object.kind === kind && object.metadata.name === name);
  const external = new Set(['kafka-cluster-ca', 'switchboard-cluster-ca-cert']);
  for (const line of lines) {
    for (const words of shellCommands(line)) {
      if (words[0] !== 'kubectl') continue;
      commands += 1;
      const where = `\`${words.join(' ')}\``;
      const flags: Record<string, string> = {};
      const positional: string[] = [];
      for (let i = 1; i < words.length; i += 1) {
        const word = words[i];
        if (word === '--') break; // the rest runs inside the container
        if (/^--[\w-]+=/.test(word))
          flags[word.slice(2, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
        else if (['-n', '--namespace', '-l', '--selector', '-f', '-o', '--replicas'].includes(word))
          flags[word.replace(/^-+/, '')] = words[(i += 1)];
        else if (/^-/.test(word)) flags[word.replace(/^-+/, '')] = 'true';
        else positional.push(word);
      }
      const [verb, ...args] = positional;
      const ns = flags.n ?? flags.namespace;
      const selector = flags.l ?? flags.selector;
      const targetsKafka = ns === 'kafka';
      if (ns && ns !== namespace && !targetsKafka)
        problems.push(`${where}: namespace ${ns}, the overlay's is ${namespace}`);
      // Objects named by `kind/name`, or `kind name`, or selected by `kind -l`.
      const resources: Array<{ kind: string; name?: string }> = [];
      for (const [index, arg] of args.entries()) {
        const slash = /^([a-z]+)\/(.+)$/.exec(arg);
        if (slash && KINDS[slash[1]]) resources.push({ kind: KINDS[slash[1]], name: slash[2] });
        else if (index === 0 && arg.split(',').every((kind) => KINDS[kind]))
          for (const kind of arg.split(',')) resources.push({ kind: KINDS[kind], name: args[1] });
      }
      const services = objects
        .filter(
          (o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'service',
        )
        .map((o) => o.metadata.name);
      for (const { kind, name } of resources) {
        if (!name || flags.all || /^--/.test(name)) continue;
        if (kind === 'Secret' || external.has(name)) continue;
        const names = name === '<service>' ? services : name === '<name>' ? [] : [name];
        if (name === '<name>' && !objects.some((o) => o.kind === kind))
          problems.push(`${where}: no ${kind} at all`);
        for (const each of names)
          if (!exists(kind, each)) problems.push(`${where}: no ${kind} ${each} in the render`);
      }
      const selected = selector ? objects.filter((o) => selectorOf(selector)(o.metadata.labels)) : objects;
      switch (verb) {
        case 'kustomize':
          if (!existsSync(join(ROOT, args[0]))) problems.push(`${where}: ${args[0]} does not exist`);
          break;
        case 'apply': {
          if (selector && selected.length === 0) problems.push(`${where}: the selector matches nothing`);
          // A Job applied by label needs the ConfigMaps it mounts in the same selection (or made by hand).
          for (const job of selected.filter((o) => o.kind === 'Job')) {
            for (const volume of ((job.spec as Any).template.spec.volumes ?? []) as Any[]) {
              const name = volume.configMap?.name;
              if (
                name &&
                !external.has(name) &&
                !selected.some((o) => o.kind === 'ConfigMap' && o.metadata.name === name)
              )
                problems.push(
                  `${where}: Job ${job.metadata.name} mounts ConfigMap ${name}, which this selector leaves out`,
                );
            }
          }
          break;
        }
        case 'wait':
        case 'delete':
        case 'rollout':
        case 'scale':
        case 'exec': {
          const kinds = resources.map((r) => r.kind);
          if (selector) {
            const ofKinds = selected.filter((o) => kinds.length === 0 || kinds.includes(o.kind));
            if (ofKinds.length === 0)
              problems.push(`${where}: the selector matches no ${kinds.join(',') || 'object'}`);
            if (verb === 'delete')
              for (const job of ofKinds.filter((o) => o.kind === 'Job')) deletedJobs.add(job.metadata.name);
          }
          if (verb === 'rollout' && !['status', 'restart', 'undo'].includes(args[0]))
            problems.push(`${where}: unknown rollout ${args[0]}`);
          if (verb === 'exec') {
            const script = words.slice(words.indexOf('--') + 1);
            if (
              script[0] !== 'node' ||
              !existsSync(join(ROOT, script[1].replace(/^dist\//, '').replace(/\.js$/, '.ts')))
            )
              problems.push(`${where}: runs ${script.slice(0, 2).join(' ')}, which the image does not have`);
          }
          if (resources.length === 0 && verb !== 'rollout') problems.push(`${where}: names no object`);
          break;
        }
        case 'create':
          if (args[0] === 'configmap') {
            const mounted = objects.some((o) =>
              (((o.spec as Any)?.template?.spec?.volumes ?? []) as Any[]).some(
                (v) => v.configMap?.name === args[1],
              ),
            );
            if (!mounted) problems.push(`${where}: no workload mounts ConfigMap ${args[1]}`);
            if (ns !== namespace) problems.push(`${where}: created outside ${namespace}`);
          } else if (args[0] !== 'secret') problems.push(`${where}: unexpected create ${args[0]}`);
          break;
        case 'get':
        case 'port-forward':
          break;
        default:
          problems.push(`${where}: a kubectl verb this test does not check (${verb}): add it`);
      }
    }
  }
  return { problems, deletedJobs, commands };
}

describe('deploy/OPERATIONS.md kubectl runbook against the render of k8s/overlays/prod', () => {
  let objects: K8sObject[];
  let namespace: string;
  beforeAll(() => {
    objects = renderOverlay('prod');
    namespace = (objects[0].metadata as Any).namespace;
  });

  it('every command selects or names objects the render has, in its namespace', () => {
    const lines = runbookLines(doc);
    const { problems, commands } = checkRunbook(lines, objects, namespace);
    expect(commands).toBeGreaterThanOrEqual(20);
    expect(problems).toEqual([]);
  });

  it('the upgrade deletes every Job before applying the new ones (Jobs are immutable)', () => {
    const upgrade = doc.slice(
      doc.indexOf('## Upgrading with zero downtime'),
      doc.indexOf('## Replaying dead letters'),
    );
    const { deletedJobs } = checkRunbook(runbookLines(upgrade), objects, namespace);
    const jobs = objects.filter((o) => o.kind === 'Job').map((o) => o.metadata.name);
    expect(jobs).toContain('database-roles');
    expect(jobs.filter((job) => !deletedJobs.has(job))).toEqual([]);
  });

  it('the install order applies roles, migrations, Kafka, then everything, each step by a selector that matches', () => {
    const install = runbookLines(
      doc.slice(doc.indexOf('## Install order'), doc.indexOf('## Configuration reference')),
    );
    const selectors = install.flatMap((line) =>
      shellCommands(line)
        .filter((words) => words[0] === 'kubectl' && words.includes('apply'))
        .map((words) => (words.includes('-l') ? words[words.indexOf('-l') + 1] : '*')),
    );
    expect(selectors).toEqual([
      'app.kubernetes.io/component=database-roles',
      'app.kubernetes.io/component=migration',
      'strimzi.io/cluster=switchboard',
      '*',
    ]);
  });

  it('catches the mistakes it is there for', () => {
    const unlabelled = objects.map((o) =>
      o.kind === 'ConfigMap' && o.metadata.name.startsWith('database-roles')
        ? { ...o, metadata: { ...o.metadata, labels: {} } }
        : o,
    );
    const apply =
      'kubectl kustomize k8s/overlays/prod | kubectl apply -f - -l app.kubernetes.io/component=database-roles';
    expect(checkRunbook([apply], unlabelled, namespace).problems).toEqual([
      expect.stringContaining('mounts ConfigMap database-roles'),
    ]);
    expect(
      checkRunbook(
        ['kubectl -n switchboard wait --for=condition=complete job/no-such-job'],
        objects,
        namespace,
      ).problems,
    ).toHaveLength(1);
    expect(
      checkRunbook(['kubectl -n switchboard rollout status deployment -l app=nothing'], objects, namespace)
        .problems,
    ).toHaveLength(1);
    const { deletedJobs } = checkRunbook(
      ['kubectl -n switchboard delete job -l app.kubernetes.io/component=migration'],
      objects,
      namespace,
    );
    expect(deletedJobs.has('database-roles')).toBe(false);
  });
});
