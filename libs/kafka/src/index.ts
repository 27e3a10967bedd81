export * from './kafka.types';
export { KafkaConnectionConfig, kafkaConnectionFromEnv } from './kafka-connection';
export { KafkaPublisher } from './kafka-publisher';
export { KafkaBatchConsumer, BatchConsumerOptions } from './kafka-batch-consumer';
export {
  ensureTopics,
  consumerLag,
  moveGroupToEnd,
  purgeTopic,
  readTopic,
  type PartitionLag,
  type TopicSpec,
} from './kafka-admin';
