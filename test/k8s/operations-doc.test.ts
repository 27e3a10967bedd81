// deploy/OPERATIONS.md's configuration reference names every variable the code reads: the properties of
// every validated env class and every `env.X` read directly, and every key the ConfigMaps set.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { getMetadataStorage } from 'class-validator';

import { renderK8sFiles } from '../../scripts/generate-k8s';

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
      for (const match of readFileSync(file, 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]{2,})\b/g))
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
