// Imported first by main.ts: ConfigModule reads the environment when the app module is imported.
//
// Every event of one customer shares its Kafka key, hence one partition and one record batch per
// relay round: a burst for one customer must stay under the broker's 1 MB message limit.
process.env.OUTBOX_BATCH_SIZE ??= '200';

export {};
