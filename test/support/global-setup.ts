// Jest globalSetup of the integration project: fail fast, with what to do, when the stack is not up.
import { Admin } from '@platformatic/kafka';
import { Client } from 'pg';

import { kafkaClientOptions } from '@switchboard/kafka';

import { databaseUrl, kafkaBrokers, redactUrl } from './stack';

const HINT =
  'Run the tests with `npm test` (it starts the stack), or start it first: `bash deploy/stack.sh up`.';

async function checkKafka(): Promise<string | undefined> {
  const brokers = kafkaBrokers();
  const admin = new Admin({
    ...kafkaClientOptions({ brokers, clientId: 'jest-global-setup' }),
    connectTimeout: 3_000,
    timeout: 5_000,
    retries: 2,
  });
  try {
    await admin.listTopics();
    return undefined;
  } catch (error) {
    return `Kafka at ${brokers.join(',')} does not answer: ${(error as Error).message}`;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

async function checkPostgres(): Promise<string | undefined> {
  const url = databaseUrl();
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${redactUrl(url)} does not answer: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default async function globalSetup(): Promise<void> {
  const problems = (await Promise.all([checkKafka(), checkPostgres()])).filter((p) => p !== undefined);
  if (problems.length > 0) throw new Error(`${problems.join('\n')}\n${HINT}`);
}
