// The Kubernetes manifests: committed = generated from the code, both overlays render with kubectl
// kustomize, every object validates against its published schema, and the platform's policies hold,
// derived from the services' own declarations (DEPLOYED_SERVICES, consumes/produces, topicOf, deadLetterTopic).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { getMetadataStorage } from 'class-validator';

import { deadLetterTopic, topicOf } from '@switchboard/contracts';
import { consumerTopicsSpec } from '@switchboard/inbox';
import { consumerGroupOf, validateEnv, type ServiceDefinition } from '@switchboard/platform';

import { DEPLOYED_SERVICES } from '../../scripts/deployed-services';
import { CLUSTER, OPERATOR, renderK8sFiles, SERVICE_EXTRAS, SHUTDOWN } from '../../scripts/generate-k8s';
import { ALL_SERVICES } from '../../scripts/provision-all';
import { ConsoleEnv } from '../../services/console/src/config/console.env';
import { PollersEnv } from '../../services/pollers/src/config/pollers.env';
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
  const named = (kind: string, name: string, optional = false) => {
    const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
    if (!found && !optional) throw new Error(`${overlay}: no ${kind} ${name}`);
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
        if (
          workload.kind === 'Deployment' &&
          workload.metadata.labels?.['app.kubernetes.io/component'] === 'service'
        ) {
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
      // A Secret mounted as files only for a *_FILE variable (credentials re-read on rotation), read-only.
      const config = named('ConfigMap', workload.metadata.name, true)?.data ?? {};
      for (const volume of (pod.volumes ?? []).filter((v: Any) => v.secret || v.projected)) {
        expect(volume.projected).toBeUndefined();
        const mounts = containersOf(workload).flatMap((c: Any) =>
          (c.volumeMounts ?? []).filter((m: Any) => m.name === volume.name),
        );
        expect(mounts.length).toBeGreaterThan(0);
        for (const mount of mounts) {
          expect(mount.readOnly).toBe(true);
          const readers = Object.entries(config).filter(
            ([variable, value]) => /_FILE$/.test(variable) && String(value).startsWith(`${mount.mountPath}/`),
          );
          expect({ volume: volume.name, readers: readers.length > 0 }).toEqual({
            volume: volume.name,
            readers: true,
          });
        }
      }
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

  it.each(DEPLOYED_SERVICES.map((definition) => [definition.name, definition] as const))(
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

      // SIGTERM after the preStop delay; the app then drains (consumer batch, bounded relay flush) and
      // exits by its own SHUTDOWN_TIMEOUT_MS, which the grace period covers with a margin.
      const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
      const config = named('ConfigMap', definition.name).data;
      const deadlineSeconds = Number(config.SHUTDOWN_TIMEOUT_MS) / 1000;
      expect(deadlineSeconds).toBe(SHUTDOWN.drainSeconds);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStop + deadlineSeconds);
      const flushSeconds = Number(config.OUTBOX_FLUSH_TIMEOUT_MS ?? 5_000) / 1000;
      expect(flushSeconds).toBeLessThan(deadlineSeconds);

      // Never migrates: that is the Job's work, once per release.
      expect(JSON.stringify([container.command, container.args])).not.toMatch(/provision/);
      // Its own database role: the Secret of this service, not the owner's.
      const databaseUrl = container.env.find((variable: Any) => variable.name === 'DATABASE_URL');
      expect(databaseUrl.valueFrom.secretKeyRef.name).toBe(`switchboard-${definition.name}-app`);
    },
  );

  it.each(DEPLOYED_SERVICES.map((definition) => [definition.name, definition] as const))(
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

  it.each(DEPLOYED_SERVICES.map((definition) => [definition.name, definition] as const))(
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
    for (const definition of DEPLOYED_SERVICES) {
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

  it.each(DEPLOYED_SERVICES.map((definition) => [definition.name, definition] as const))(
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
        if (!SERVICE_EXTRAS[definition.name]?.operatesDeadLetters)
          expect(acl.resource.patternType ?? 'literal').toBe('literal');
        expect(acl.host ?? '*').toBe('*');
        return acl.operations.map(
          (operation: string) => `${acl.resource.type}:${acl.resource.name}:${operation}`,
        );
      });
      if (SERVICE_EXTRAS[definition.name]?.operatesDeadLetters) {
        // The console handles dead letters and reads lag as the operator's CLI does: the same grants.
        expect(user.spec.authorization.acls).toEqual(
          named('KafkaUser', OPERATOR.kafkaUser).spec.authorization.acls,
        );
      }
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
      if (!SERVICE_EXTRAS[definition.name]?.operatesDeadLetters)
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

  it.each(DEPLOYED_SERVICES.filter(isConsumer).map((definition) => [definition.name, definition] as const))(
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
    for (const definition of DEPLOYED_SERVICES.filter(
      (d) => !isConsumer(d) && !d.leaderElected && !SERVICE_EXTRAS[d.name]?.replicas,
    )) {
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

  it('a leader-elected service (the pollers) keeps its fixed replicas, a leader and a standby, and no autoscaler', () => {
    const elected = DEPLOYED_SERVICES.filter((d) => d.leaderElected);
    expect(elected.map((d) => d.name)).toEqual(['pollers']);
    for (const definition of elected) {
      // Development has nothing to watch and scales the pollers to 0 (k8s/overlays/dev).
      expect(named('Deployment', definition.name).spec.replicas).toBe(
        overlay === 'dev' ? 0 : definition.leaderElected!.replicas,
      );
      expect(definition.leaderElected!.replicas).toBeGreaterThanOrEqual(2);
      const scalers = [...ofKind('HorizontalPodAutoscaler'), ...ofKind('ScaledObject')].filter(
        (scaler: Any) => scaler.spec.scaleTargetRef.name === definition.name,
      );
      expect(scalers).toEqual([]);
    }
    // Production switches both jobs on: what the pods get passes the service's own validation.
    if (overlay === 'prod') {
      const config = named('ConfigMap', 'pollers').data as Record<string, string>;
      expect(config).toMatchObject({
        TRYTON_PARTIES_POLL_ENABLED: 'true',
        RT_ESCALATIONS_POLL_ENABLED: 'true',
      });
      expect(() => validateEnv(PollersEnv)(config)).not.toThrow();
    }
    // It posts to ingest like a source system: its egress reaches ingest's pods.
    const egress = named('NetworkPolicy', 'pollers').spec.egress as Any[];
    expect(egress).toContainEqual(
      expect.objectContaining({
        to: [
          { podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/name': 'ingest' }) } },
        ],
      }),
    );
  });

  it('the console: fixed replicas, no consumer, its secrets, OIDC headers trusted from its own pod only', () => {
    const deployment = named('Deployment', 'console');
    expect(deployment.spec.replicas).toBe(overlay === 'dev' ? 1 : SERVICE_EXTRAS.console.replicas);
    const scalers = [...ofKind('HorizontalPodAutoscaler'), ...ofKind('ScaledObject')].filter(
      (scaler: Any) => scaler.spec.scaleTargetRef.name === 'console',
    );
    expect(scalers).toEqual([]);
    // No Kafka consumer: no group of its own, and nothing counts a relay for it (it produces nothing).
    const grants = named('KafkaUser', 'switchboard-console').spec.authorization.acls as Any[];
    expect(grants.filter((acl) => acl.resource.name === 'switchboard.console')).toEqual([]);
    const [container] = deployment.spec.template.spec.containers;
    const secretKeys = Object.fromEntries(
      (container.env as Any[])
        .filter((variable) => variable.valueFrom?.secretKeyRef)
        .map((variable) => [variable.name, variable.valueFrom.secretKeyRef]),
    );
    expect(secretKeys).toMatchObject({
      CONSOLE_SESSION_SECRET: { name: 'switchboard-console-app', key: 'session-secret' },
      CONSOLE_CUSTOMER_SYNC_TOKEN: { name: 'switchboard-console-app', key: 'customer-sync-token' },
      CONSOLE_USERS: { name: 'switchboard-console-app', key: 'users', optional: true },
    });
    const config = named('ConfigMap', 'console').data as Record<string, string>;
    expect(config).toMatchObject({
      CONSOLE_PROXY_AUTH: 'true',
      CONSOLE_PROXY_ADDRESSES: CLUSTER.consoleProxyAddresses,
      CONSOLE_SECURE_COOKIE: 'true',
      CONSOLE_CONSUMERS: consumerTopicsSpec(ALL_SERVICES),
      CONSOLE_CUSTOMER_SYNC_URL: 'http://customer-sync',
    });
    // The flow page reads every other service's metrics through its Service (port 80).
    expect(config.CONSOLE_SERVICE_URLS.split(',').sort()).toEqual(
      ALL_SERVICES.map(({ name }) => `${name}=http://${name}`).sort(),
    );
    // Only loopback addresses: a header from any other pod is ignored.
    for (const address of config.CONSOLE_PROXY_ADDRESSES.split(','))
      expect(['127.0.0.1', '::1']).toContain(address);
    // What the pod gets (production-like secrets, no local accounts) passes the console's validation.
    const env = {
      ...config,
      CONSOLE_SESSION_SECRET: 'a-production-like-session-secret-0123456789',
      CONSOLE_CUSTOMER_SYNC_TOKEN: 'a-production-like-console-token-0123456789',
    };
    expect(() => validateEnv(ConsoleEnv)(env)).not.toThrow();
    // It calls customer-sync's API: an egress rule to those pods.
    const egress = named('NetworkPolicy', 'console').spec.egress as Any[];
    expect(egress).toContainEqual(
      expect.objectContaining({
        to: [
          {
            podSelector: {
              matchLabels: expect.objectContaining({ 'app.kubernetes.io/name': 'customer-sync' }),
            },
          },
        ],
      }),
    );
  });

  it('no Secret a workload, KEDA or a KafkaUser reads is named like a KafkaUser (Strimzi writes and owns those)', () => {
    const kafkaUsers = new Set(ofKind('KafkaUser').map((user) => user.metadata.name));
    expect(kafkaUsers.size).toBeGreaterThanOrEqual(DEPLOYED_SERVICES.length);
    const read: Array<{ by: string; secret: string }> = [];
    const collect = (by: string, node: Any): void => {
      if (Array.isArray(node)) for (const item of node) collect(by, item);
      else if (node && typeof node === 'object') {
        if (node.secretKeyRef?.name) read.push({ by, secret: node.secretKeyRef.name });
        if (node.secretRef?.name) read.push({ by, secret: node.secretRef.name });
        if (node.secret?.secretName) read.push({ by, secret: node.secret.secretName });
        for (const value of Object.values(node)) collect(by, value);
      }
    };
    for (const object of objects) {
      if (['Deployment', 'Job', 'KafkaUser'].includes(object.kind))
        collect(`${object.kind}/${object.metadata.name}`, object.spec);
      if (object.kind === 'TriggerAuthentication') {
        for (const ref of ((object.spec as Any).secretTargetRef ?? []) as Any[])
          read.push({ by: `TriggerAuthentication/${object.metadata.name}`, secret: ref.name });
      }
    }
    expect(read.length).toBeGreaterThan(DEPLOYED_SERVICES.length * 3);
    expect(read.filter(({ secret }) => kafkaUsers.has(secret))).toEqual([]);
  });

  it('Argo CD order: roles ConfigMap, roles Job, migrations, Kafka users and topics, Deployments', () => {
    // PreSync hooks all run (wave by wave) before the Sync phase applies any ordinary resource.
    const step = (object: K8sObject): [number, number] => {
      const annotations = object.metadata.annotations ?? {};
      const phase = annotations['argocd.argoproj.io/hook'];
      expect([undefined, 'PreSync']).toContain(phase);
      return [phase === 'PreSync' ? 0 : 1, Number(annotations['argocd.argoproj.io/sync-wave'] ?? 0)];
    };
    const before = (a: K8sObject, b: K8sObject) => {
      const [x, y] = [step(a), step(b)];
      return x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]);
    };
    const rolesJob = named('Job', 'database-roles');
    const sqlVolume = rolesJob.spec.template.spec.volumes.find((volume: Any) => volume.name === 'sql');
    const rolesConfigMap = named('ConfigMap', sqlVolume.configMap.name);
    const migrations = ofKind('Job').filter((job) => job !== rolesJob);
    const kafka = [...ofKind('KafkaUser'), ...ofKind('KafkaTopic')];
    const deployments = ofKind('Deployment');
    expect(migrations).toHaveLength(DEPLOYED_SERVICES.length);
    expect(kafka.length).toBeGreaterThan(DEPLOYED_SERVICES.length);
    const order: Array<[string, K8sObject[]]> = [
      ['roles ConfigMap', [rolesConfigMap]],
      ['roles Job', [rolesJob]],
      ['migrations', migrations],
      ['Kafka', kafka],
      ['Deployments', deployments],
    ];
    // The autoscalers come with the Deployments they scale (the same wave), not before them.
    for (const autoscaler of [...ofKind('ScaledObject'), ...ofKind('HorizontalPodAutoscaler')]) {
      const target = named('Deployment', (autoscaler.spec as Any).scaleTargetRef.name);
      expect({ autoscaler: autoscaler.metadata.name, step: step(autoscaler) }).toEqual({
        autoscaler: autoscaler.metadata.name,
        step: step(target),
      });
    }
    for (let i = 0; i + 1 < order.length; i += 1) {
      const [first, earlier] = order[i];
      const [then, later] = order[i + 1];
      for (const a of earlier)
        for (const b of later) {
          const where = `${first} ${a.metadata.name} before ${then} ${b.metadata.name}`;
          expect({ where, before: before(a, b) }).toEqual({ where, before: true });
        }
    }
    // Every Job is a hook (Jobs are immutable: Argo CD deletes the previous one first).
    for (const job of ofKind('Job'))
      expect(job.metadata.annotations?.['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    // A prune (or deleting the Application) would delete the topic and its data.
    for (const topic of ofKind('KafkaTopic')) {
      const options = (topic.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',');
      expect({ topic: topic.metadata.name, options }).toEqual({
        topic: topic.metadata.name,
        options: expect.arrayContaining(['Prune=false', 'Delete=false']),
      });
    }
  });

  it('no password or other secret value on a command line (process list), only in env from secretKeyRef', () => {
    for (const workload of [...ofKind('Deployment'), ...ofKind('Job')]) {
      for (const container of containersOf(workload)) {
        const fromSecret = (container.env ?? [])
          .filter((variable: Any) => variable.valueFrom?.secretKeyRef)
          .map((variable: Any) => variable.name as string);
        const argv = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
        const where = `${workload.kind}/${workload.metadata.name}`;
        expect({ where, expanded: fromSecret.filter((name: string) => argv.includes(`$(${name})`)) }).toEqual(
          {
            where,
            expanded: [],
          },
        );
        expect({ where, argv }).toEqual({
          where,
          argv: expect.not.stringMatching(/password|postgres:\/\//i),
        });
      }
    }
  });

  it('operator console: the CLI in a service image, its own KafkaUser reading every dead-letter topic, no ingress', () => {
    const deployment = named('Deployment', OPERATOR.name);
    expect(deployment.spec.replicas).toBe(0);
    const [container] = deployment.spec.template.spec.containers;
    expect(container.image).toBe(named('Deployment', 'ingest').spec.template.spec.containers[0].image);
    const env = Object.fromEntries(container.env.map((variable: Any) => [variable.name, variable]));
    const user = named('KafkaUser', OPERATOR.kafkaUser);
    expect(env.KAFKA_SASL_PASSWORD.valueFrom.secretKeyRef).toEqual(
      user.spec.authentication.password.valueFrom.secretKeyRef,
    );
    const grants = new Set(
      user.spec.authorization.acls.flatMap((acl: Any) =>
        acl.operations.map(
          (op: string) => `${acl.resource.type}:${acl.resource.patternType}:${acl.resource.name}:${op}`,
        ),
      ),
    );
    for (const definition of DEPLOYED_SERVICES.filter(isConsumer)) {
      const dlq = deadLetterTopic(definition.name);
      for (const op of ['Read', 'Describe', 'Delete']) expect(grants).toContain(`topic:literal:${dlq}:${op}`);
      for (const type of definition.consumes)
        expect(grants).toContain(`topic:literal:${topicOf(type)}:Write`);
      // Describes the services' groups (lag), never joins them.
      expect(grants).toContain('group:prefix:switchboard.:Describe');
      expect(grants).not.toContain(`group:literal:${consumerGroupOf(definition)}:Read`);
    }
    expect([...grants].filter((grant) => /^group:.*:Read$/.test(grant as string))).toEqual([
      'group:prefix:switchboard-reader-:Read',
    ]);
    const policy = (ofKind('NetworkPolicy') as Any[]).find((p) =>
      matches(p.spec.podSelector.matchLabels ?? {}, deployment.spec.template.metadata.labels),
    );
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress ?? []).toEqual([]);
  });

  it('a change of any Secret or of the Kafka CA a service reads rolls its pods (Reloader annotations)', () => {
    for (const definition of DEPLOYED_SERVICES) {
      const deployment = named('Deployment', definition.name);
      const annotations = deployment.metadata.annotations ?? {};
      const listed = (key: string) =>
        new Set(
          String(annotations[key] ?? '')
            .split(',')
            .filter(Boolean),
        );
      const pod = deployment.spec.template.spec;
      const secrets = new Set<string>();
      const configMaps = new Set<string>();
      for (const container of pod.containers)
        for (const variable of container.env ?? [])
          if (variable.valueFrom?.secretKeyRef) secrets.add(variable.valueFrom.secretKeyRef.name);
      for (const volume of pod.volumes ?? []) {
        // A mounted Secret (credentials files) is updated in place by the kubelet and re-read: no restart.
        // Generated ConfigMaps carry a content hash in their name: a change rolls the pods by itself.
        if (
          volume.configMap &&
          !objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name)
        )
          configMaps.add(volume.configMap.name);
      }
      expect(secrets.size).toBeGreaterThan(0);
      expect({
        service: definition.name,
        secrets: [...secrets].filter((name) => !listed('secret.reloader.stakater.com/reload').has(name)),
      }).toEqual({ service: definition.name, secrets: [] });
      expect({
        service: definition.name,
        configMaps: [...configMaps].filter(
          (name) => !listed('configmap.reloader.stakater.com/reload').has(name),
        ),
      }).toEqual({ service: definition.name, configMaps: [] });
    }
  });

  it('network: default deny; ingress only to HTTP; egress only to Kafka, PostgreSQL, OTLP, DNS and the services one calls', () => {
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
      // A consumer's egress to its real downstream system (overlays): one service's pods, HTTPS, an ipBlock.
      if (policy.metadata.labels?.['app.kubernetes.io/component'] === 'downstream-egress') {
        expect(policy.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('service');
        expect(policy.spec.ingress).toBeUndefined();
        for (const rule of policy.spec.egress) {
          expect(rule.ports).toEqual([{ protocol: 'TCP', port: 443 }]);
          for (const peer of rule.to) expect(peer.ipBlock?.cidr).toMatch(/^[\d.]+\/\d+$/);
        }
        continue;
      }
      for (const rule of policy.spec.egress ?? []) {
        for (const port of rule.ports) {
          for (const peer of rule.to) {
            // The pollers post to ingest's pods in their own namespace, as a source system does; the
            // console calls customer-sync's API. Only to the services each one declares it calls.
            const calledPods =
              !peer.namespaceSelector &&
              (SERVICE_EXTRAS[policy.metadata.name]?.calls ?? []).includes(
                peer.podSelector?.matchLabels?.['app.kubernetes.io/name'],
              );
            if (calledPods) {
              expect(port).toEqual({ protocol: 'TCP', port: CLUSTER.httpPort });
              continue;
            }
            const namespace = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
            expect(allowedEgress).toContain(`${namespace}:${port.protocol}:${port.port}`);
          }
        }
      }
      for (const rule of policy.spec.ingress ?? [])
        expect(rule.ports).toEqual([{ protocol: 'TCP', port: 'http' }]);
    }
    // Every service's pods are covered by a policy that lets its HTTP port in.
    for (const definition of DEPLOYED_SERVICES) {
      const podLabels = named('Deployment', definition.name).spec.template.metadata.labels;
      const own = policies.filter(
        (policy) =>
          policy.spec.podSelector.matchLabels && matches(policy.spec.podSelector.matchLabels, podLabels),
      );
      expect(own.flatMap((policy) => policy.spec.ingress ?? [])).not.toEqual([]);
    }
  });
});
