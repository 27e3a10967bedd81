// PostgreSQL connections of each overlay's render against the budget it states (CONNECTION_BUDGET in
// scripts/generate-k8s.ts, deploy/OPERATIONS.md "Capacity"): every Deployment at its autoscaler's
// maximum, each pod's pool (DATABASE_POOL_SIZE of its ConfigMap) plus the outbox relay's connection,
// and on top the larger of one surge pod per Deployment (a rollout) and the Jobs of a release.
import { CONNECTION_BUDGET, CONNECTIONS } from '../../scripts/generate-k8s';
import { ALL_SERVICES } from '../../scripts/provision-all';
import { renderOverlay, type K8sObject } from './support';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- the render is untyped YAML */
type Any = any;

const DEFAULT_PARTITION_CONCURRENCY = 3; // MessagingEnv's default (libs/platform/src/config/platform-env.ts)

interface Usage {
  steady: number;
  surge: number;
  jobs: number;
  rows: Array<{ deployment: string; maxReplicas: number; perPod: number }>;
}

export function connectionUsage(objects: K8sObject[]): Usage {
  const find = (kind: string, predicate: (object: Any) => boolean) =>
    objects.filter((object) => object.kind === kind).find(predicate) as Any;
  const rows = objects
    .filter((object) => object.kind === 'Deployment')
    .map((deployment: Any) => {
      const name = deployment.metadata.name as string;
      // The operator console (scaled to 0, one pod in a session): the CLI's one connection.
      if (deployment.metadata.labels?.['app.kubernetes.io/component'] === 'operator')
        return { deployment: name, maxReplicas: 1, perPod: 1 };
      const config = find('ConfigMap', (c) => c.metadata.name === name);
      const pool = Number(config?.data?.DATABASE_POOL_SIZE);
      if (!Number.isInteger(pool) || pool < 1) throw new Error(`${name}: DATABASE_POOL_SIZE is not explicit`);
      const hpa = find('HorizontalPodAutoscaler', (h) => h.spec.scaleTargetRef.name === name);
      const scaled = find('ScaledObject', (k) => k.spec.scaleTargetRef.name === name);
      // A paused ScaledObject holds its Deployment at the paused count (the dev address book: 0).
      const maxReplicas = Number(
        hpa?.spec.maxReplicas ??
          scaled?.metadata.annotations?.['autoscaling.keda.sh/paused-replicas'] ??
          scaled?.spec.maxReplicaCount ??
          deployment.spec.replicas,
      );
      if (!Number.isInteger(maxReplicas)) throw new Error(`${name}: no replica maximum`);
      // A leader-elected service (the pollers) also holds its leader's session.
      const leader = ALL_SERVICES.find((d) => d.name === name)?.leaderElected ? CONNECTIONS.leaderPerPod : 0;
      return { deployment: name, maxReplicas, perPod: pool + CONNECTIONS.relayPerPod + leader };
    });
  const jobs = objects
    .filter((object) => object.kind === 'Job')
    .reduce(
      (total, job) =>
        total + (job.metadata.name === 'database-roles' ? CONNECTIONS.rolesJob : CONNECTIONS.perMigrationJob),
      0,
    );
  return {
    steady: rows.reduce((total, row) => total + row.maxReplicas * row.perPod, 0),
    // A Deployment scaled to 0 (the dev pollers) starts no pod in a rollout.
    surge: rows.reduce((total, row) => total + (row.maxReplicas > 0 ? row.perPod : 0), 0),
    jobs,
    rows,
  };
}

describe.each(['dev', 'prod'] as const)('PostgreSQL connection budget, overlay %s', (overlay) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderOverlay(overlay);
  });

  it('at the autoscalers’ maximum, during a rollout or a release’s Jobs, stays within the budget', () => {
    const usage = connectionUsage(objects);
    expect(usage.rows).toHaveLength(ALL_SERVICES.length + 1); // the services and the operator console
    const { maxConnections, reserved } = CONNECTION_BUDGET[overlay];
    const peak = usage.steady + Math.max(usage.surge, usage.jobs);
    expect({
      overlay,
      peak,
      available: maxConnections - reserved,
      fits: peak <= maxConnections - reserved,
    }).toEqual({
      overlay,
      peak,
      available: maxConnections - reserved,
      fits: true,
    });
  });

  it('every consumer pool holds its parallel partitions plus one for health, metrics and its API', () => {
    for (const definition of ALL_SERVICES.filter((d) => d.consumes.length > 0)) {
      const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === definition.name)!;
      const pool = Number(config.data?.DATABASE_POOL_SIZE);
      const concurrency = Number(
        config.data?.CONSUMER_PARTITION_CONCURRENCY ?? DEFAULT_PARTITION_CONCURRENCY,
      );
      expect({ service: definition.name, enough: pool >= concurrency + 1 }).toEqual({
        service: definition.name,
        enough: true,
      });
    }
  });

  it('KEDA falls back to a fixed replica count within its bounds when it cannot read the lag', () => {
    const scaled = objects.filter((object) => object.kind === 'ScaledObject') as Any[];
    expect(scaled.length).toBe(ALL_SERVICES.filter((d) => d.consumes.length > 0).length);
    for (const object of scaled) {
      const { fallback, minReplicaCount, maxReplicaCount } = object.spec;
      expect(fallback?.failureThreshold).toBeGreaterThanOrEqual(1);
      expect(fallback?.replicas).toBeGreaterThanOrEqual(minReplicaCount);
      expect(fallback?.replicas).toBeLessThanOrEqual(maxReplicaCount);
    }
  });
});

describe('the budget check itself', () => {
  it('counts pool plus relay per pod at the maximum replicas (the base before this budget: over 400)', () => {
    const objects = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' }, spec: {} },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { DATABASE_POOL_SIZE: '10' } },
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'a' },
        spec: { maxReplicas: 12, scaleTargetRef: { name: 'a' } },
      },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'a-migrate' } },
    ] as K8sObject[];
    expect(connectionUsage(objects)).toMatchObject({
      steady: 132,
      surge: 11,
      jobs: CONNECTIONS.perMigrationJob,
    });
  });
});
