export * from './kafka.types';
export {
  KafkaConnectionConfig,
  type KafkaCompression,
  isKafkaClientError,
  kafkaErrorChain,
  type KafkaErrorLink,
  kafkaConnectionFromEnv,
  kafkaClientOptions,
} from './kafka-connection';
export { KafkaPublisher, MessageTooLargeError, UnknownTopicError, partitionForKey } from './kafka-publisher';
export { KafkaBatchConsumer, BatchConsumerOptions, GroupProtocol } from './kafka-batch-consumer';
export {
  ensureTopics,
  consumerLag,
  moveGroupToEnd,
  purgeTopic,
  readTopic,
  setGroupOffsets,
  topicEndOffsets,
  type PartitionLag,
  type PartitionOffset,
  type TopicSpec,
} from './kafka-admin';
