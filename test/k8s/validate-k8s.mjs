// Validates Kubernetes objects (a JSON array on stdin) against published schemas and prints a JSON report
// on stdout: [{ kind, name, validator, errors: [string] }]. ESM because the schema packages are ESM-only.
//
//   core kinds            kubernetes-models (generated from the Kubernetes OpenAPI spec)
//   keda.sh               @kubernetes-models/keda (generated from KEDA's CRDs)
//   monitoring.coreos.com @kubernetes-models/prometheus-operator (generated from the operator's CRDs)
//   kafka.strimzi.io      the CRDs that Strimzi's own crd-generator renders from Strimzi's API classes
//                         (Maven Central, see strimzi/pom.xml), validated with ajv; like
//                         `kubectl apply --validate=strict`, a field the schema does not know is an error
//                         (the API server would silently prune it).
//
// Usage: node test/k8s/validate-k8s.mjs <directory of Strimzi CRD YAML files> < objects.json
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';

const MODEL_MODULES = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

/** A CRD's structural schema as JSON Schema: objects with declared properties are closed. */
function strict(schema) {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strict(sub)]));
    } else out[key] = strict(value);
  }
  if (
    schema.type === 'object' &&
    schema.properties &&
    schema.additionalProperties === undefined &&
    !schema['x-kubernetes-preserve-unknown-fields']
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function strimziValidators(crdDir) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validators = new Map();
  for (const file of readdirSync(crdDir).filter((name) => name.endsWith('.yaml'))) {
    for (const document of parseAllDocuments(readFileSync(join(crdDir, file), 'utf8'))) {
      const crd = document.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions.filter((v) => v.served)) {
        const key = `${crd.spec.group}/${version.name} ${crd.spec.names.kind}`;
        validators.set(key, ajv.compile(strict(version.schema.openAPIV3Schema)));
      }
    }
  }
  return validators;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function main() {
  const [crdDir] = process.argv.slice(2);
  if (!crdDir) throw new Error('usage: validate-k8s.mjs <strimzi crd dir> < objects.json');
  const strimzi = strimziValidators(crdDir);
  const objects = await readStdin();
  const report = [];
  for (const object of objects) {
    const { apiVersion, kind } = object;
    const name = object.metadata?.name;
    const entry = { kind, name, apiVersion, validator: null, errors: [] };
    report.push(entry);
    const crd = strimzi.get(`${apiVersion} ${kind}`);
    if (crd) {
      entry.validator = 'strimzi-crd';
      if (!crd(object)) {
        entry.errors = crd.errors.map(
          (e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
        );
      }
      continue;
    }
    const modulePath = MODEL_MODULES[apiVersion];
    const models = modulePath ? await import(modulePath) : {};
    const Model = models[kind];
    if (typeof Model !== 'function') {
      entry.errors = [`no schema for ${apiVersion} ${kind}`];
      continue;
    }
    entry.validator = modulePath;
    try {
      new Model(object).validate();
    } catch (error) {
      entry.errors = [error.message];
    }
  }
  process.stdout.write(JSON.stringify(report));
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(2);
});
