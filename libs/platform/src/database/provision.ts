import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { deadLetterTopic, topicOf } from '@switchboard/contracts';
import { ensureTopics, kafkaConnectionFromEnv } from '@switchboard/kafka';
import { quoteIdent } from '@switchboard/outbox';

import { envBoolean } from '../config/env-boolean';
import type { ServiceDefinition } from '../service/service-definition';
import { serviceDataSourceOptions } from './data-source-options';

/**
 * The once-per-release step (a Kubernetes Job, or `npm start` locally): creates the service's
 * schema, applies its pending migrations and, unless PROVISION_TOPICS=false (a cluster whose topics
 * are managed as Strimzi objects), creates the topics it reads and writes.
 */
export async function provision(
  definition: ServiceDefinition,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const url = env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(definition.schema)}`);
  } finally {
    await client.end();
  }
  const dataSource = new DataSource(serviceDataSourceOptions(definition, url, 2));
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
  if (envBoolean(env, 'PROVISION_TOPICS', true)) {
    const partitions = Number(env.TOPIC_PARTITIONS ?? 6);
    const names = [...definition.consumes, ...definition.produces].map(topicOf);
    if (definition.consumes.length > 0) names.push(deadLetterTopic(definition.name));
    await ensureTopics(
      kafkaConnectionFromEnv(`${definition.name}-provision`, env),
      [...new Set(names)].map((name) => ({ name, partitions })),
    );
  }
}

/** Entry point body of each service's `provision.ts`. */
export function runProvision(definition: ServiceDefinition): void {
  provision(definition).then(
    () => console.log(JSON.stringify({ service: definition.name, msg: 'provisioned' })),
    (error: unknown) => {
      console.error(
        `${definition.name}: provisioning failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exitCode = 1;
    },
  );
}
