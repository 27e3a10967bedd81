/**
 * A plain @platformatic/kafka consumer (benchmark only; bench/phases/raw-consumer.ts starts it the
 * way the services are started): the services' connection options and KafkaBatchConsumer's fetch
 * settings, reading deal_won from the committed offsets of BENCH_RAW_GROUP (positioned by the
 * bench), with a JSON.parse of each value and nothing else: no inbox, no database, no offset
 * commit. What the client alone can deliver to a consumer on this machine.
 *
 * HTTP on PORT: GET /health/ready answers 200 once the group is joined; POST /start starts reading
 * (the bench opens its CPU window first, so start-up is not counted); GET /progress returns
 * { events, seconds }, seconds spanning the first to the last event read. It stops reading at
 * BENCH_RAW_EVENTS events and stays up until SIGTERM, so its peak RSS can still be read.
 */
import { createServer } from 'node:http';

import {
  Consumer,
  GroupProtocols,
  MessagesStreamModes,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';

import { Topic } from '@switchboard/contracts';
import { kafkaClientOptions, kafkaConnectionFromEnv } from '@switchboard/kafka';

const target = Number(process.env.BENCH_RAW_EVENTS);
const consumer = new Consumer({
  ...kafkaClientOptions(kafkaConnectionFromEnv('raw-consumer')),
  // As KafkaBatchConsumer builds it (libs/kafka), so both fetch in the same batches.
  groupProtocol: GroupProtocols.CONSUMER,
  groupId: process.env.BENCH_RAW_GROUP ?? '',
  autocommit: false,
  maxBytesPerPartition: 1_048_576,
  maxWaitTime: 500,
});

let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | null = null;
let events = 0;
let firstAt = 0;
let lastAt = 0;

function read(message: Message<Buffer, Buffer, Buffer, Buffer>): void {
  if (events >= target) return; // the rest of the last fetch
  // What the inbox transport does first with every message (InboxTransport.decode).
  JSON.parse(message.value.toString('utf8'));
  events += 1;
  lastAt = performance.now();
  if (events === 1) firstAt = lastAt;
  if (events >= target) stream?.pause();
}

const server = createServer((request, response) => {
  const reply = (status: number, body: object) =>
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (request.url === '/health/ready') return reply(stream ? 200 : 503, {});
  if (request.url === '/progress') return reply(200, { events, seconds: (lastAt - firstAt) / 1000 });
  if (request.method === 'POST' && request.url === '/start' && stream) {
    if (stream.listenerCount('data') === 0) stream.on('data', read);
    return reply(202, {});
  }
  reply(404, {});
});

process.once('SIGTERM', () => {
  server.close();
  void Promise.resolve(stream?.close())
    .then(() => consumer.close(true))
    .finally(() => process.exit(0));
});

async function main(): Promise<void> {
  server.listen(Number(process.env.PORT));
  const opened = await consumer.consume({
    topics: [Topic.deal_won],
    mode: MessagesStreamModes.COMMITTED,
    autocommit: false,
  });
  opened.on('error', (error: Error) => {
    console.error(`raw-consumer: the stream failed: ${error.message}`);
    process.exit(1);
  });
  stream = opened;
}

main().catch((error: unknown) => {
  console.error(`raw-consumer: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
