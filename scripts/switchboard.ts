import 'reflect-metadata';

import { Command, Option } from 'commander';
import { Client } from 'pg';

import { topicOf } from '@switchboard/contracts';
import { KafkaPublisher, consumerLag, kafkaConnectionFromEnv, purgeTopic } from '@switchboard/kafka';
import { consumerGroupOf } from '@switchboard/platform';

import { listDeadLetters, replay, type DeadLetterFilter } from './cli/dead-letters';
import { ALL_SERVICES } from './provision-all';

/**
 * The operator's tool: dead letters (list, show, replay, purge), consumer lag and outbox backlog.
 * Reads KAFKA_BROKERS and DATABASE_URL like the services.
 */
const consumers = ALL_SERVICES.filter((service) => service.consumes.length > 0).map(
  (service) => service.name,
);
const kafka = () => kafkaConnectionFromEnv('switchboard-cli');

function servicesOption(value: string | undefined): string[] {
  if (!value) return consumers;
  if (!consumers.includes(value))
    throw new Error(`unknown consumer "${value}" (one of: ${consumers.join(', ')})`);
  return [value];
}

function filterFrom(options: { class?: string; since?: string }, refs?: string[]): DeadLetterFilter {
  return {
    errorClass: options.class,
    since: options.since ? new Date(options.since) : undefined,
    refs: refs && refs.length > 0 ? refs : undefined,
  };
}

const program = new Command('switchboard').description('Operate a Switchboard installation');
const consumerOption = () => new Option('-c, --consumer <service>', `one consumer (${consumers.join(', ')})`);
const classOption = () =>
  new Option('--class <errorClass>', 'error class').choices([
    'validation',
    'rejected',
    'transient',
    'unexpected',
  ]);
const sinceOption = () => new Option('--since <time>', 'dead-lettered at or after this ISO-8601 time');

const dlq = program.command('dlq').description('dead letters of the consumers');

dlq
  .command('list')
  .description('list dead letters, oldest first')
  .addOption(consumerOption())
  .addOption(classOption())
  .addOption(sinceOption())
  .option('--json', 'one JSON object per line')
  .action(async (options: { consumer?: string; class?: string; since?: string; json?: boolean }) => {
    const entries = await listDeadLetters(kafka(), servicesOption(options.consumer), filterFrom(options));
    for (const { ref, letter } of entries) {
      if (options.json) console.log(JSON.stringify({ ref, ...letter }));
      else
        console.log(
          `${ref}  ${letter.failedAt}  ${letter.errorClass}/${letter.errorCode}  ${letter.eventType ?? '-'} ${letter.eventId ?? '-'}  ${letter.reason}`,
        );
    }
    if (!options.json) console.log(`${entries.length} dead letter(s)`);
  });

dlq
  .command('show <ref>')
  .description('show one dead letter in full (ref = <service>:<partition>:<offset>)')
  .action(async (ref: string) => {
    const [entry] = await listDeadLetters(kafka(), servicesOption(ref.split(':')[0]), { refs: [ref] });
    if (!entry) throw new Error(`no dead letter ${ref}`);
    console.log(JSON.stringify({ ref: entry.ref, ...entry.letter }, null, 2));
  });

dlq
  .command('replay [refs...]')
  .description('publish dead-lettered messages again on their original topic (idempotent)')
  .addOption(consumerOption())
  .addOption(classOption())
  .addOption(sinceOption())
  .option('--all', 'every dead letter matching the filters')
  .action(
    async (refs: string[], options: { consumer?: string; class?: string; since?: string; all?: boolean }) => {
      if (refs.length === 0 && !options.all)
        throw new Error('name dead letters to replay, or pass --all with filters');
      const entries = await listDeadLetters(
        kafka(),
        servicesOption(options.consumer),
        filterFrom(options, refs),
      );
      const publisher = new KafkaPublisher(kafka());
      await publisher.connect();
      try {
        console.log(`replayed ${await replay(publisher, entries)} message(s)`);
      } finally {
        await publisher.disconnect();
      }
    },
  );

dlq
  .command('purge')
  .description("delete every message currently in a consumer's dead-letter topic (after a replay)")
  .addOption(consumerOption().makeOptionMandatory())
  .option('--yes', 'confirm')
  .action(async (options: { consumer: string; yes?: boolean }) => {
    if (!options.yes) throw new Error('purging deletes the dead letters for good: add --yes');
    const [service] = servicesOption(options.consumer);
    console.log(
      `purged ${await purgeTopic(kafka(), `switchboard.dlq.${service}`)} dead letter(s) of ${service}`,
    );
  });

program
  .command('lag')
  .description('consumer lag per consumer group and partition')
  .addOption(consumerOption())
  .option(
    '--group-prefix <prefix>',
    'consumer-group prefix (KAFKA_GROUP_PREFIX)',
    process.env.KAFKA_GROUP_PREFIX ?? 'switchboard',
  )
  .action(async (options: { consumer?: string; groupPrefix: string }) => {
    for (const definition of ALL_SERVICES.filter((service) =>
      servicesOption(options.consumer).includes(service.name),
    )) {
      const group = consumerGroupOf(definition, options.groupPrefix);
      const lags = await consumerLag(kafka(), group, definition.consumes.map(topicOf));
      const total = lags.reduce((sum, entry) => sum + entry.lag, 0);
      console.log(`${group}: lag ${total}`);
      for (const entry of lags)
        console.log(
          `  ${entry.topic}[${entry.partition}] committed ${entry.committed ?? '-'} end ${entry.end} lag ${entry.lag}`,
        );
    }
  });

program
  .command('outbox')
  .description('outbox backlog per service: pending rows and the age of the oldest')
  .action(async () => {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      for (const definition of ALL_SERVICES) {
        const { rows } = await client.query<{ pending: number; oldest: number | null }>(
          `SELECT count(*)::int AS pending, EXTRACT(EPOCH FROM now() - min(created_at))::float AS oldest
           FROM "${definition.schema}".outbox_message WHERE published_at IS NULL`,
        );
        const { pending, oldest } = rows[0];
        console.log(
          `${definition.name.padEnd(20)} pending ${pending}  oldest ${oldest === null ? '-' : `${oldest.toFixed(1)} s`}`,
        );
      }
    } finally {
      await client.end();
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`switchboard: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
