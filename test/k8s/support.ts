// Rendering and schema validation of the manifests in k8s/ for the tests beside this file.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseAllDocuments } from 'yaml';

export const ROOT = join(__dirname, '..', '..');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

/** `kubectl kustomize` of an overlay (kubectl 1.32 embeds kustomize v5), parsed. */
export function renderOverlay(overlay: string): K8sObject[] {
  const yaml = execFileSync('kubectl', ['kustomize', join(ROOT, 'k8s/overlays', overlay)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseAllDocuments(yaml)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

const STRIMZI_POM = join(ROOT, 'test/k8s/strimzi/pom.xml');

/**
 * The KafkaTopic and KafkaUser CRDs, rendered by Strimzi's crd-generator from Strimzi's API classes
 * (both from Maven Central, see strimzi/pom.xml). Cached in .stack/strimzi/<pom checksum>/.
 */
export function strimziCrdDir(): string {
  const stamp = createHash('sha256').update(readFileSync(STRIMZI_POM)).digest('hex').slice(0, 16);
  const dir = join(ROOT, '.stack/strimzi', stamp);
  const crds = join(dir, 'crds');
  if (existsSync(join(crds, '.complete'))) return crds;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(crds, { recursive: true });
  const lib = join(dir, 'lib');
  execFileSync(
    'mvn',
    ['-q', '-B', '-f', STRIMZI_POM, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  execFileSync(
    'java',
    [
      '-cp',
      `${lib}/*`,
      'io.strimzi.crdgenerator.CrdGenerator',
      '--crd-api-version',
      'v1',
      '--api-versions',
      'v1beta2,v1',
      '--storage-version',
      'v1beta2',
      '--yaml',
      `io.strimzi.api.kafka.model.topic.KafkaTopic=${join(crds, 'kafkatopic.yaml')}`,
      `io.strimzi.api.kafka.model.user.KafkaUser=${join(crds, 'kafkauser.yaml')}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const files = readdirSync(crds).filter((name) => name.endsWith('.yaml'));
  if (files.length !== 2) throw new Error(`Strimzi crd-generator wrote ${files.join(', ') || 'nothing'}`);
  writeFileSync(join(crds, '.complete'), stamp);
  return crds;
}

export interface ValidationResult {
  kind: string;
  name: string;
  apiVersion: string;
  validator: string | null;
  errors: string[];
}

/** Every object against its published schema (see validate-k8s.mjs). */
export function validateObjects(objects: K8sObject[]): ValidationResult[] {
  const result = spawnSync(process.execPath, [join(__dirname, 'validate-k8s.mjs'), strimziCrdDir()], {
    cwd: ROOT,
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`validate-k8s.mjs failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as ValidationResult[];
}
