// Exit 0 when the Kafka cluster at argv[2] (comma-separated host:port list) answers a metadata
// request within a few seconds, 1 otherwise. Used by the stack and benchmark scripts' waits.
import { Admin } from '@platformatic/kafka';

const admin = new Admin({
  clientId: 'switchboard-check',
  bootstrapBrokers: process.argv[2].split(','),
  connectTimeout: 3_000,
  timeout: 5_000,
  retries: 0,
});
admin
  .listTopics()
  .then(() => admin.close())
  .then(
    () => process.exit(0),
    () => process.exit(1),
  );
