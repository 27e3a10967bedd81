// The Kubernetes manifests: committed = generated from the code, both overlays render with kubectl
// kustomize, every object validates against its published schema, and the platform's policies hold,
// derived from the services' own declarations (ALL_SERVICES, consumes/produces, topicOf, deadLetterTopic).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { getMetadataStorage } from 'class-validator';

import { deadLetterTopic, topicOf } from '@switchboard/contracts';
import { consumerGroupOf, type ServiceDefinition } from '@switchboard/platform';

import { renderK8sFiles, SHUTDOWN } from '../../scripts/generate-k8s';
import { ALL_SERVICES } from '../../scripts/provision-all';
import { ROOT, renderOverlay, validateObjects, type K8sObject } from './support';

jest.setTimeout(300_000);

const OVERLAYS = ['dev', 'prod'] as const;
const BASE = join(ROOT, 'k8s/base');

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- assertions walk untyped YAML */
type Any = any;

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

function isConsumer(definition: ServiceDefinition): boolean {
  return definition.consumes.length > 0;
}

function containersOf(object: K8sObject): Any[] {
  const pod = (object.spec as Any)?.template?.spec;
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

/**
 * Variables a service cannot boot without: required properties (no default, not optional, not conditional)
 * of the platform's env classes and of its own (services/<name>/src/config/*.env.ts).
 */
function requiredVariables(service: string): string[] {
  const files = [join(ROOT, 'libs/platform/src/config/platform-env.ts')];
  const configDir = join(ROOT, 'services', service, 'src/config');
  if (existsSync(configDir)) {
    files.push(
      ...readdirSync(configDir)
        .filter((name) => name.endsWith('.env.ts'))
        .map((name) => join(configDir, name)),
    );
  }
  const required: string[] = [];
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(file) as Record<string, unknown>;
    for (const [name, cls] of Object.entries(exported)) {
      if (!name.endsWith('Env') || typeof cls !== 'function') continue;
      const instance = new (cls as new () => Record<string, unknown>)();

      const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
      for (const property of new Set(metadata.map((m) => m.propertyName))) {
        const own = metadata.filter((m) => m.propertyName === property);
        const optional = own.some((m) => m.type === 'conditionalValidation');
        if (!optional && instance[property] === undefined) required.push(property);
      }
    }
  }
  return required;
}

function matches(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe('k8s/base is generated from the services’ declarations', () => {
  it('committed files equal the generator’s output (run npm run k8s:generate)', () => {
    const expected = renderK8sFiles();
    const committed = Object.fromEntries(
      listFiles(BASE).map((path) => [relative(BASE, path), readFileSync(path, 'utf8')]),
    );
    expect(Object.keys(committed).sort()).toEqual(Object.keys(expected).sort());
    for (const [path, content] of Object.entries(expected)) {
      expect({ path, content: committed[path] }).toEqual({ path, content });
    }
  });
});

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  let objects: K8sObject[];
  const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const named = (kind: string, name: string) => {
    const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
    if (!found) throw new Error(`${overlay}: no ${kind} ${name}`);
    return found as Any;
  };

  beforeAll(() => {
    objects = renderOverlay(overlay);
  });

  it('renders every object once, in one namespace', () => {
    const keys = objects.map((object) => `${object.kind}/${object.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    const namespaces = new Set(objects.map((object) => (object.metadata as Any).namespace));
    expect([...namespaces]).toEqual([overlay === 'prod' ? 'switchboard' : 'switchboard-dev']);
  });

  it('validates every object against the Kubernetes, Strimzi, KEDA and Prometheus operator schemas', () => {
    const results = validateObjects(objects);
    expect(results).toHaveLength(objects.length);
    const problems = results.filter((result) => result.errors.length > 0 || !result.validator);
    expect(problems).toEqual([]);
    const validators = new Set(results.map((result) => result.validator));
    for (const expected of [
      'strimzi-crd',
      'kubernetes-models/apps/v1',
      '@kubernetes-models/keda/keda.sh/v1alpha1',
      '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
    ]) {
      expect(validators).toContain(expected);
    }
  });

  it('every container: probes (services), requests and limits, non-root, read-only, no latest tag', () => {
    const workloads = [...ofKind('Deployment'), ...ofKind('Job')];
    expect(workloads.length).toBeGreaterThan(0);
    for (const workload of workloads) {
      const pod = (workload.spec as Any).template.spec;
      for (const container of containersOf(workload)) {
        const where = `${workload.kind}/${workload.metadata.name}/${container.name}`;
        expect({ where, image: container.image }).toEqual({
          where,
          image: expect.stringMatching(/^[^@\s]+:(?!latest$)[\w][\w.-]{0,127}$|@sha256:[0-9a-f]{64}$/),
        });
        expect({ where, limits: container.resources?.limits }).toEqual({
          where,
          limits: expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }),
        });
        expect({ where, requests: container.resources?.requests }).toEqual({
          where,
          requests: expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }),
        });
        const runAsNonRoot = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
        const runAsUser = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
        expect({ where, runAsNonRoot, rootUser: runAsUser === 0 }).toEqual({
          where,
          runAsNonRoot: true,
          rootUser: false,
        });
        expect({ where, securityContext: container.securityContext }).toEqual({
          where,
          securityContext: expect.objectContaining({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          }),
        });
        expect(pod.automountServiceAccountToken).toBe(false);
        if (workload.kind === 'Deployment') {
          expect({ where, live: container.livenessProbe?.httpGet?.path }).toEqual({
            where,
            live: '/health/live',
          });
          expect({ where, ready: container.readinessProbe?.httpGet?.path }).toEqual({
            where,
            ready: '/health/ready',
          });
        }
      }
    }
  });

  it('secrets reach containers only through secretKeyRef; configuration comes from a ConfigMap', () => {
    const secretLike = /PASSWORD|SECRET|TOKEN|DATABASE_URL|CREDENTIAL|KEY$/;
    for (const workload of [...ofKind('Deployment'), ...ofKind('Job')]) {
      const pod = (workload.spec as Any).template.spec;
      expect((pod.volumes ?? []).filter((volume: Any) => volume.secret || volume.projected)).toEqual([]);
      for (const container of containersOf(workload)) {
        expect((container.envFrom ?? []).filter((source: Any) => source.secretRef)).toEqual([]);
        for (const variable of container.env ?? []) {
          if (secretLike.test(variable.name)) {
            expect({ variable: variable.name, from: Object.keys(variable.valueFrom ?? {}) }).toEqual({
              variable: variable.name,
              from: ['secretKeyRef'],
            });
          }
        }
        if (workload.kind === 'Deployment') {
          const configMaps = (container.envFrom ?? []).map((source: Any) => source.configMapRef?.name);
          expect(configMaps).toContain(workload.metadata.name);
          named('ConfigMap', workload.metadata.name);
        }
      }
    }
  });

  it.each(ALL_SERVICES.map((definition) => [definition.name, definition] as const))(
    '%s: Deployment, Service, PodDisruptionBudget, ServiceMonitor, graceful shutdown',
    (_name, definition) => {
      const deployment = named('Deployment', definition.name);
      const pod = deployment.spec.template.spec;
      const podLabels = deployment.spec.template.metadata.labels;
      const [container] = pod.containers;

      const service = named('Service', definition.name);
      expect(matches(service.spec.selector, podLabels)).toBe(true);
      expect(service.spec.ports.map((port: Any) => port.targetPort)).toContain('http');

      const budgets = ofKind('PodDisruptionBudget').filter((pdb: Any) =>
        matches(pdb.spec.selector.matchLabels, podLabels),
      );
      expect(budgets).toHaveLength(1);

      const monitor = named('ServiceMonitor', definition.name);
      expect(matches(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
      expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);

      // SIGTERM after the preStop delay; the app then drains (consumer batch, relay flush) in time.
      const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + SHUTDOWN.drainSeconds);

      // Never migrates: that is the Job's work, once per release.
      expect(JSON.stringify([container.command, container.args])).not.toMatch(/provision/);
      // Its own database role: the Secret of this service, not the owner's.
      const databaseUrl = container.env.find((variable: Any) => variable.name === 'DATABASE_URL');
      expect(databaseUrl.valueFrom.secretKeyRef.name).toBe(`switchboard-${definition.name}`);
    },
  );

  it.each(ALL_SERVICES.map((definition) => [definition.name, definition] as const))(
    '%s: every variable the service requires to boot is set (ConfigMap or Secret), files are mounted',
    (_name, definition) => {
      const container = named('Deployment', definition.name).spec.template.spec.containers[0];
      const config = named('ConfigMap', definition.name).data as Record<string, string>;
      const set = new Set([...Object.keys(config), ...container.env.map((variable: Any) => variable.name)]);
      const required = requiredVariables(definition.name);
      expect(required).toEqual(expect.arrayContaining(['DATABASE_URL', 'KAFKA_BROKERS']));
      expect(required.filter((variable) => !set.has(variable))).toEqual([]);
      // A path a service reads points into a mounted volume.
      const mounts = container.volumeMounts.map((mount: Any) => mount.mountPath);
      for (const [variable, value] of Object.entries(config)) {
        if (/_FILE$/.test(variable)) {
          expect({ variable, mounted: mounts.some((path: string) => value.startsWith(`${path}/`)) }).toEqual({
            variable,
            mounted: true,
          });
        }
      }
    },
  );

  it.each(ALL_SERVICES.map((definition) => [definition.name, definition] as const))(
    '%s: migrations run once per release as a Job with the owner role, topics left to Strimzi',
    (_name, definition) => {
      const jobs = ofKind('Job').filter(
        (job: Any) => job.metadata.labels['app.kubernetes.io/name'] === definition.name,
      );
      expect(jobs).toHaveLength(1);
      const [container] = containersOf(jobs[0]);
      expect(container.command).toEqual(['node', `dist/services/${definition.name}/src/provision.js`]);
      const env = Object.fromEntries(container.env.map((variable: Any) => [variable.name, variable]));
      expect(env.PROVISION_TOPICS.value).toBe('false');
      expect(env.DATABASE_URL.valueFrom.secretKeyRef.name).toBe('switchboard-db-owner');
      const deployment = named('Deployment', definition.name);
      expect(container.image).toBe(deployment.spec.template.spec.containers[0].image);
    },
  );

  it('Kafka topics: one per declared event and a dead-letter topic per consumer, replicated, retained', () => {
    const expected = new Set<string>();
    for (const definition of ALL_SERVICES) {
      for (const type of [...definition.consumes, ...definition.produces]) expected.add(topicOf(type));
      if (isConsumer(definition)) expected.add(deadLetterTopic(definition.name));
    }
    const topics = ofKind('KafkaTopic') as Any[];
    expect(topics.map((topic) => topic.spec.topicName).sort()).toEqual([...expected].sort());
    for (const topic of topics) {
      expect(topic.metadata.labels['strimzi.io/cluster']).toBeTruthy();
      expect(Number(topic.spec.config['retention.ms'])).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
      expect(topic.spec.partitions).toBeGreaterThanOrEqual(1);
      if (overlay === 'prod') {
        expect(topic.spec.replicas).toBe(3);
        expect(topic.spec.config['min.insync.replicas']).toBe(2);
      }
    }
  });

  it.each(ALL_SERVICES.map((definition) => [definition.name, definition] as const))(
    '%s: KafkaUser ACLs are exactly its declared inputs (with its group), outputs and dead letters',
    (_name, definition) => {
      const users = ofKind('KafkaUser').filter(
        (user: Any) => user.metadata.labels['app.kubernetes.io/name'] === definition.name,
      ) as Any[];
      expect(users).toHaveLength(1);
      const [user] = users;
      expect(user.spec.authentication.type).toMatch(/^scram-sha-512$|^tls$/);
      const granted = user.spec.authorization.acls.flatMap((acl: Any) => {
        expect(acl.type ?? 'allow').toBe('allow');
        expect(acl.resource.patternType ?? 'literal').toBe('literal');
        expect(acl.host ?? '*').toBe('*');
        return acl.operations.map(
          (operation: string) => `${acl.resource.type}:${acl.resource.name}:${operation}`,
        );
      });
      const wanted: string[] = [];
      for (const type of definition.consumes)
        wanted.push(`topic:${topicOf(type)}:Read`, `topic:${topicOf(type)}:Describe`);
      if (isConsumer(definition)) {
        const group = consumerGroupOf(definition);
        wanted.push(`group:${group}:Read`, `group:${group}:Describe`);
        const dlq = deadLetterTopic(definition.name);
        wanted.push(`topic:${dlq}:Write`, `topic:${dlq}:Describe`);
      }
      for (const type of definition.produces)
        wanted.push(`topic:${topicOf(type)}:Write`, `topic:${topicOf(type)}:Describe`);
      expect([...granted].sort()).toEqual([...new Set(wanted)].sort());

      // The service authenticates as this user, with the password the KafkaUser is given.
      const container = named('Deployment', definition.name).spec.template.spec.containers[0];
      const env = Object.fromEntries(container.env.map((variable: Any) => [variable.name, variable]));
      const password = user.spec.authentication.password.valueFrom.secretKeyRef;
      expect(env.KAFKA_SASL_PASSWORD.valueFrom.secretKeyRef).toEqual(password);
      expect(env.KAFKA_SASL_USERNAME.valueFrom.secretKeyRef.name).toBe(password.name);
      const config = named('ConfigMap', definition.name).data;
      expect(config).toMatchObject({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512' });
      expect(config.KAFKA_GROUP_PREFIX).toBe('switchboard');
    },
  );

  it.each(ALL_SERVICES.filter(isConsumer).map((definition) => [definition.name, definition] as const))(
    '%s: scales on consumer lag of its group, never above the partitions of its topics',
    (_name, definition) => {
      const scaled = ofKind('ScaledObject').filter(
        (object: Any) => object.spec.scaleTargetRef.name === definition.name,
      ) as Any[];
      expect(scaled).toHaveLength(1);
      const [object] = scaled;
      const triggers = object.spec.triggers;
      expect(triggers.map((trigger: Any) => trigger.type)).toEqual(triggers.map(() => 'kafka'));
      expect(triggers.map((trigger: Any) => trigger.metadata.topic).sort()).toEqual(
        definition.consumes.map(topicOf).sort(),
      );
      for (const trigger of triggers) {
        expect(trigger.metadata.consumerGroup).toBe(`switchboard.${definition.name}`);
        expect(trigger.metadata.consumerGroup).toBe(consumerGroupOf(definition));
        named('TriggerAuthentication', trigger.authenticationRef.name);
        const topic = (ofKind('KafkaTopic') as Any[]).find(
          (t) => t.spec.topicName === trigger.metadata.topic,
        );
        expect(object.spec.maxReplicaCount).toBeLessThanOrEqual(topic.spec.partitions);
      }
      expect(object.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      // KEDA owns the replica count; a second autoscaler would fight it.
      expect(
        ofKind('HorizontalPodAutoscaler').filter(
          (hpa: Any) => hpa.spec.scaleTargetRef.name === definition.name,
        ),
      ).toEqual([]);
    },
  );

  it('ingest (no consumer group) scales on CPU with a HorizontalPodAutoscaler', () => {
    for (const definition of ALL_SERVICES.filter((d) => !isConsumer(d))) {
      const hpa = named('HorizontalPodAutoscaler', definition.name);
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: definition.name,
      });
      expect(hpa.spec.metrics).toEqual([
        expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) }),
      ]);
    }
  });

  it('network: default deny; ingress only to HTTP; egress only to Kafka, PostgreSQL, OTLP and DNS', () => {
    const policies = ofKind('NetworkPolicy') as Any[];
    const defaultDeny = policies.filter(
      (policy) =>
        Object.keys(policy.spec.podSelector).length === 0 && !policy.spec.ingress && !policy.spec.egress,
    );
    expect(defaultDeny).toHaveLength(1);
    expect(defaultDeny[0].spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);

    const allowedEgress = new Set([
      'kafka:TCP:9093',
      'postgres:TCP:5432',
      'observability:TCP:4317',
      'observability:TCP:4318',
      'kube-system:UDP:53',
      'kube-system:TCP:53',
    ]);
    for (const policy of policies.filter((p) => p !== defaultDeny[0])) {
      for (const rule of policy.spec.egress ?? []) {
        for (const port of rule.ports) {
          for (const peer of rule.to) {
            const namespace = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
            expect(allowedEgress).toContain(`${namespace}:${port.protocol}:${port.port}`);
          }
        }
      }
      for (const rule of policy.spec.ingress ?? [])
        expect(rule.ports).toEqual([{ protocol: 'TCP', port: 'http' }]);
    }
    // Every service's pods are covered by a policy that lets its HTTP port in.
    for (const definition of ALL_SERVICES) {
      const podLabels = named('Deployment', definition.name).spec.template.metadata.labels;
      const own = policies.filter(
        (policy) =>
          policy.spec.podSelector.matchLabels && matches(policy.spec.podSelector.matchLabels, podLabels),
      );
      expect(own.flatMap((policy) => policy.spec.ingress ?? [])).not.toEqual([]);
    }
  });
});
