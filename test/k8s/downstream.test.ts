// Where each consumer writes its effect is an explicit choice of each overlay: DOWNSTREAM_MODE in its
// ConfigMap, validated by the code's own DownstreamEnv; `real`/`http` take their password from a mounted
// Secret file (never an env value in a ConfigMap) and get an egress policy to that system's port.
import { DownstreamEnv, connectorEnvClasses } from '@switchboard/connectors';
import { validateEnv } from '@switchboard/platform';

import { ALL_SERVICES } from '../../scripts/provision-all';
import { renderOverlay, type K8sObject } from './support';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- the render is untyped YAML */
type Any = any;

const consumers = ALL_SERVICES.filter((definition) => definition.consumes.length > 0);
const URL_VARIABLES = ['TRYTON_URL', 'RT_URL', 'DOWNSTREAM_URL'];

function portOf(url: string): number {
  const parsed = new URL(url);
  return Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
}

describe.each(['dev', 'prod'] as const)('downstream systems, overlay %s', (overlay) => {
  let objects: K8sObject[];
  const named = (kind: string, name: string) =>
    objects.find((object) => object.kind === kind && object.metadata.name === name) as Any;
  beforeAll(() => {
    objects = renderOverlay(overlay);
  });

  it.each(consumers.map((definition) => [definition.name]))('%s: an explicit, valid mode', (name) => {
    const config = named('ConfigMap', name).data as Record<string, string>;
    expect(['builtin', 'http', 'real']).toContain(config.DOWNSTREAM_MODE);
    // What the service validates at boot, with the files the pod would have mounted.
    const definition = consumers.find((d) => d.name === name)!;
    expect(() =>
      validateEnv(...(definition.downstream ? connectorEnvClasses(definition.downstream) : [DownstreamEnv]))(
        config,
      ),
    ).not.toThrow();
    // Passwords and tokens never sit in a ConfigMap.
    expect(Object.keys(config).filter((key) => /PASSWORD$|TOKEN$/.test(key))).toEqual([]);

    const deployment = named('Deployment', name);
    const pod = deployment.spec.template.spec;
    const mounts = pod.containers[0].volumeMounts as Any[];
    const podLabels = deployment.spec.template.metadata.labels;
    const egress = (objects.filter((o) => o.kind === 'NetworkPolicy') as Any[]).filter(
      (policy) =>
        policy.metadata.labels?.['app.kubernetes.io/component'] === 'downstream-egress' &&
        Object.entries(policy.spec.podSelector.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v),
    );
    if (config.DOWNSTREAM_MODE === 'builtin') {
      expect(egress).toEqual([]);
      return;
    }
    // Every credentials file points into a Secret volume mounted read-only.
    const files = Object.entries(config).filter(([key]) => /(PASSWORD|TOKEN)_FILE$/.test(key));
    expect(files.length).toBeGreaterThan(0);
    for (const [variable, path] of files) {
      const mount = mounts.find((m) => path.startsWith(`${m.mountPath}/`));
      expect({ variable, mounted: Boolean(mount?.readOnly) }).toEqual({ variable, mounted: true });
      const volume = pod.volumes.find((v: Any) => v.name === mount.name);
      expect(volume.secret?.secretName).toBe(`switchboard-${name}-downstream`);
      const file = path.slice(mount.mountPath.length + 1);
      expect((volume.secret.items ?? [{ path: file }]).map((item: Any) => item.path)).toContain(file);
    }
    // And the pod may reach the system it writes to, on that port.
    const urls = URL_VARIABLES.filter((key) => config[key]).map((key) => config[key]);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      const allowed = egress.some((policy) =>
        policy.spec.egress.some((rule: Any) => rule.ports.some((port: Any) => port.port === portOf(url))),
      );
      expect({ url, allowed }).toEqual({ url, allowed: true });
    }
  });

  if (overlay === 'prod') {
    it('production writes to the real systems: erp and finance to Tryton, support to Request Tracker', () => {
      for (const name of ['erp-orders', 'finance-invoicing', 'support-onboarding'])
        expect({ name, mode: named('ConfigMap', name).data.DOWNSTREAM_MODE }).toEqual({ name, mode: 'real' });
    });
  }
});
