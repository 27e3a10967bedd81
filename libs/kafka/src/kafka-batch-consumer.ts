import { setTimeout as delay } from 'node:timers/promises';

import {
  Consumer,
  GroupProtocols,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  stringDeserializer,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';

import {
  kafkaClientOptions,
  kafkaErrorChain,
  kafkaLogger,
  type KafkaConnectionConfig,
  type KafkaLogger,
} from './kafka-connection';
import type { BatchConsumer, BatchHandler, Headers, InboundMessage } from './kafka.types';

/**
 * `consumer` is Kafka 4's group protocol (KIP-848): the broker assigns partitions incrementally and a
 * rebalance no longer stops every member. `classic` is the join/sync protocol older brokers speak.
 */
export type GroupProtocol = 'consumer' | 'classic';

export interface BatchConsumerOptions {
  groupId: string;
  /** Default `consumer`; `classic` for brokers before Kafka 4. */
  groupProtocol?: GroupProtocol;
  /** Partitions of the assignment processed in parallel; order within a partition is always kept. */
  partitionsConsumedConcurrently?: number;
  /**
   * Classic protocol: the session timeout the member asks for. Consumer protocol: the broker's
   * `group.consumer.session.timeout.ms` (45 s by default), which this member must know to stop
   * committing once it has been silent that long.
   */
  sessionTimeoutMs?: number;
  /** Classic protocol only: with `consumer` the broker sets the interval. */
  heartbeatIntervalMs?: number;
  /** Upper bound of bytes fetched per partition, which bounds the size of one batch. */
  maxBytesPerPartition?: number;
  /**
   * Partitions of one topic go in one batch while their waiting messages add up to fewer than this
   * (the caller's transaction size, say): at a moderate rate spread over many partitions, a batch
   * then holds what arrived on all of them, not the one or two messages of one. A backlog still
   * comes one partition per batch, `partitionsConsumedConcurrently` of them at a time. Default 1:
   * every batch holds one partition.
   */
  combinePartitionsBelow?: number;
  /**
   * The broker answers a fetch once it has this many bytes for it, or after `fetchMaxWaitMs`
   * (Kafka's fetch.min.bytes and fetch.max.wait.ms): larger batches at a moderate rate, for at most
   * that wait. Defaults 1 byte and 500 ms: each fetch answered as soon as anything is there.
   */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  /**
   * Offset commits go to the broker at most this often (Kafka's auto.commit.interval.ms, for the
   * commits the caller asks for): `commit` records the offset and answers at once, and one request
   * carries the offsets of every partition. The caller's own store says what is done (an inbox
   * skips what it applied), so a crash or a rebalance costs a redelivery of at most this interval's
   * messages, never a loss. What is pending is sent on `disconnect`. 0 (the default) sends each
   * commit at once and answers once the broker has it.
   */
  commitIntervalMs?: number;
  /** Where the seam reports a reopened stream or a failing handler (default: JSON lines on stdout). */
  log?: KafkaLogger;
}

type RawMessage = Message<string, Buffer, string, string>;

/** The stream, membership and assignment a batch ran under: work of an older one is not continued. */
interface Epoch {
  generation: number;
  membership: number;
  assignmentChanges: number;
}

function sameEpoch(a: Epoch, b: Epoch): boolean {
  return (
    a.generation === b.generation &&
    a.membership === b.membership &&
    a.assignmentChanges === b.assignmentChanges
  );
}

/** An offset to commit, and the epoch it was finished under. */
interface PendingCommit {
  message: RawMessage;
  epoch: Epoch;
}

/** The work of one partition: messages fetched but not handed over yet, and whether a batch runs. */
interface PartitionWork {
  /** `topic:partition`, the key of the partition here and in the client's fetch positions. */
  key: string;
  topic: string;
  partition: number;
  pending: RawMessage[];
  running: boolean;
  /** The offset after the last one this member committed: anything below it is done. */
  committedUpTo: bigint;
  /**
   * The offset after the last one received (-1 before any): a message below it is already here,
   * pending, running or done. What the client fetches again is dropped by it, not what is held.
   */
  receivedUpTo: bigint;
  /**
   * Where this member's last commit of the partition left it, and under which stream and
   * membership: a batch starting exactly there, under the same ones, is a first handling.
   */
  continuation: { offset: bigint; epoch: Epoch } | null;
}

/** A partition's share of one batch. */
interface BatchPart {
  work: PartitionWork;
  messages: RawMessage[];
}

/**
 * Fetched messages held per process before the stream pauses fetching: a few chunks per partition
 * in flight. Each held value is a slice that keeps its whole fetch response alive, outside the V8
 * heap limit, so a larger buffer costs resident memory and buys no throughput.
 */
const MAX_BUFFERED_MESSAGES = 5_000;
/**
 * Bytes of one fetch response, all partitions together (Kafka's fetch.max.bytes, 50 MiB by default).
 * Without it a member with a backlog on six partitions took 6 MiB in one response, past the buffer
 * bound at once. A response counts compressed bytes, and compressed batches can hold many times
 * their size in messages: on the bench's zstd backlog a drained consumer's peak RSS was 606-633 MB,
 * with this bound 414-437 MB (uncompressed 290-337 MB). A fetch still brings a chunk or two.
 */
const FETCH_MAX_BYTES = 2 * 1_048_576;
const RETRY_DELAY_MS = 1_000;

/**
 * A consumer group member that hands whole partition batches to the caller and never commits on its
 * own: offsets move only when the caller says its database transaction is committed.
 *
 * The client heartbeats on its own timer, so a long batch keeps its membership without the caller's
 * help. A member the coordinator fenced anyway (an event loop blocked past the session timeout, a
 * network partition) has its stream closed by the client; this class opens a new one, which resumes
 * from the committed offsets: the uncommitted work is redelivered and the inbox skips what was
 * already applied.
 */
export class KafkaBatchConsumer implements BatchConsumer {
  private readonly consumer: Consumer<string, Buffer, string, string>;
  private readonly log: KafkaLogger;
  private readonly sessionTimeoutMs: number;
  private readonly work = new Map<string, PartitionWork>();
  private readonly rawOf = new WeakMap<InboundMessage, RawMessage>();
  private stream: MessagesStream<string, Buffer, string, string> | null = null;
  /** Bumped whenever the stream is replaced: batches of an older stream are no longer active. */
  private streamGeneration = 0;
  /**
   * Bumped on every (re)join: a member that was fenced and joined again may have had its partitions
   * processed by another member meanwhile, so its batches from before must not commit.
   */
  private membership = 0;
  /** Bumped whenever the client resets its fetch positions (the assignment changed). */
  private assignmentChanges = 0;
  private lastHeartbeatAt = 0;
  private joined = false;
  private stopping = false;
  private opening = false;
  private buffered = 0;
  private runningBatches = 0;
  private dispatchScheduled = false;
  private reopenTimer: NodeJS.Timeout | null = null;
  private subscription: { topics: string[]; handler: BatchHandler } | null = null;
  /** The last offset asked to be committed per partition, not sent yet (`commitIntervalMs`). */
  private readonly pendingCommits = new Map<string, PendingCommit>();
  private commitTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** `disconnect` waits here until no batch runs. */
  private readonly idle = new Set<() => void>();
  /** Aborted by `disconnect`: it cuts short the pauses before retries. */
  private readonly stopped = new AbortController();

  constructor(
    config: KafkaConnectionConfig,
    private readonly options: BatchConsumerOptions,
  ) {
    this.log = options.log ?? kafkaLogger(config.clientId);
    const protocol = options.groupProtocol ?? 'consumer';
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? (protocol === 'consumer' ? 45_000 : 30_000);
    const group =
      protocol === 'consumer'
        ? { groupProtocol: GroupProtocols.CONSUMER }
        : {
            groupProtocol: GroupProtocols.CLASSIC,
            sessionTimeout: this.sessionTimeoutMs,
            heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
          };
    this.consumer = new Consumer({
      ...kafkaClientOptions(config),
      ...group,
      groupId: options.groupId,
      autocommit: false,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      maxBytes: FETCH_MAX_BYTES,
      minBytes: options.fetchMinBytes ?? 1,
      maxWaitTime: options.fetchMaxWaitMs ?? 500,
      deserializers: {
        key: stringDeserializer,
        headerKey: stringDeserializer,
        headerValue: stringDeserializer,
      },
    });
    this.consumer.on('consumer:heartbeat:end', () => (this.lastHeartbeatAt = Date.now()));
    this.consumer.on('consumer:group:join', () => {
      this.lastHeartbeatAt = Date.now();
      this.joined = true;
      this.membership += 1;
      // A rejoin after being fenced (not the join of a stream being opened): the stream would go on
      // from its fetch position, past what the fenced batches never committed, so it is replaced
      // by one that starts from the committed offsets.
      if (this.stream && !this.opening) this.reopen(this.stream, 0);
    });
    this.consumer.on('consumer:group:leave', () => (this.joined = false));
    this.consumer.on('consumer:group:rejoin', () => (this.joined = false));
    this.consumer.on('consumer:heartbeat:error', () => (this.joined = false));
  }

  /** Fails fast when no broker answers; the group is joined by `run`. */
  async connect(): Promise<void> {
    await this.consumer.metadata({ topics: [] });
  }

  isConnected(): boolean {
    // Joined with a known assignment (possibly empty): the group protocol has placed this member.
    return this.joined && this.consumer.assignments !== null && this.stream !== null && !this.stopping;
  }

  async run(topics: string[], handler: BatchHandler): Promise<void> {
    this.subscription = { topics, handler };
    await this.open();
  }

  async disconnect(): Promise<void> {
    this.stopping = true;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    this.reopenTimer = null;
    this.stopped.abort();
    // Batches in progress see isActive() turn false, commit what they finished and return.
    while (this.runningBatches > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = null;
    await this.flushCommits();
    const stream = this.stream;
    this.stream = null;
    await stream?.close().catch(() => undefined);
    await this.consumer.close(true);
  }

  private async open(): Promise<void> {
    if (!this.subscription || this.stopping) return;
    this.opening = true;
    const stream = await this.consumer
      .consume({
        topics: this.subscription.topics,
        mode: MessagesStreamModes.COMMITTED,
        // A group that never committed starts at the earliest retained message.
        fallbackMode: MessagesStreamFallbackModes.EARLIEST,
        autocommit: false,
      })
      .finally(() => (this.opening = false));
    this.streamGeneration += 1;
    this.stream = stream;
    // A replaced stream's last fetch may still land: its messages are not this stream's sequence.
    stream.on('data', (message: RawMessage) => {
      if (stream === this.stream) this.accept(message);
    });
    stream.on('offsets', () => this.afterFetchPositionsReset(stream));
    stream.on('error', (error: Error) => {
      this.log('warn', 'kafka consumer stream failed; reopening it at the committed offsets', { error });
      this.reopen(stream);
    });
    stream.on('close', () => this.reopen(stream));
  }

  /** A closed or failed stream (the member was fenced, the coordinator moved) is replaced. */
  private reopen(failed: MessagesStream<string, Buffer, string, string>, delayMs = RETRY_DELAY_MS): void {
    if (this.stream !== failed || this.stopping) return;
    this.stream = null;
    this.joined = false;
    this.dropPending();
    void failed.close().catch(() => undefined);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null;
      this.open().catch((error: unknown) => {
        this.log('warn', 'kafka consumer stream could not be opened; retrying', { error });
        this.stream = failed;
        this.reopen(failed, Math.min(30_000, delayMs * 2));
      });
    }, delayMs);
  }

  /**
   * Past the session timeout without a heartbeat the coordinator has evicted this member, whatever
   * the client has noticed yet: work or a commit now could land after a rejoin, behind the back of
   * the member that took the partition meanwhile.
   */
  private heartbeatFresh(): boolean {
    // The client forgets its last heartbeat when one fails; the last success is kept here.
    const last = this.consumer.lastHeartbeat?.getTime() ?? 0;
    this.lastHeartbeatAt = Math.max(this.lastHeartbeatAt, last);
    return Date.now() - this.lastHeartbeatAt < this.sessionTimeoutMs;
  }

  /** Whether the partition is still assigned to this member (the assignment changes under us). */
  private owns(topic: string, partition: number): boolean {
    return (this.consumer.assignments ?? []).some(
      (assignment) => assignment.topic === topic && assignment.partitions.includes(partition),
    );
  }

  /** Resolves the waiters of `disconnect` once no batch runs. */
  private wakeIdle(): void {
    const waiters = [...this.idle];
    this.idle.clear();
    for (const resolve of waiters) resolve();
  }

  private dropPending(): void {
    for (const work of this.work.values()) this.forget(work);
    this.stream?.resume();
  }

  /** Drops what is waiting of a partition: it is fetched again from the committed offset. */
  private forget(work: PartitionWork): void {
    this.buffered -= work.pending.length;
    work.pending = [];
    work.receivedUpTo = -1n;
    work.continuation = null;
  }

  /**
   * Partitions were added to the assignment (or a position was out of range): the client fetches
   * every assigned partition again from the position it now holds, usually the committed offset.
   * A fetch sent before the reset still lands afterwards and moves the position past what it
   * returned, so what is held here must be kept, or it is never fetched again and the next commit
   * skips it; the messages fetched a second time fall below `receivedUpTo` and are dropped. Only a
   * partition no longer ours, or whose position is past what is held (another member committed
   * further meanwhile), starts afresh.
   */
  private afterFetchPositionsReset(stream: MessagesStream<string, Buffer, string, string>): void {
    if (stream !== this.stream) return;
    // A partition may have been away and handled by another member: no batch continues from before.
    this.assignmentChanges += 1;
    for (const work of this.work.values()) {
      const position = stream.offsetsToFetch.get(work.key);
      const kept =
        this.owns(work.topic, work.partition) && position !== undefined && position <= work.receivedUpTo;
      if (!kept) this.forget(work);
    }
    if (this.buffered < MAX_BUFFERED_MESSAGES / 2) stream.resume();
  }

  private accept(message: RawMessage): void {
    const key = `${message.topic}:${message.partition}`;
    let work = this.work.get(key);
    if (!work) {
      work = {
        key,
        topic: message.topic,
        partition: message.partition,
        pending: [],
        running: false,
        committedUpTo: -1n,
        receivedUpTo: -1n,
        continuation: null,
      };
      this.work.set(key, work);
    }
    if (message.offset < work.committedUpTo || message.offset < work.receivedUpTo) return;
    // A fetch sent before the partition was revoked: its new owner has these.
    if (!this.owns(message.topic, message.partition)) return;
    work.receivedUpTo = message.offset + 1n;
    work.pending.push(message);
    this.buffered += 1;
    if (this.buffered >= MAX_BUFFERED_MESSAGES) this.stream?.pause();
    // Messages of one fetch response arrive in the same tick: one batch per partition, not per message.
    this.scheduleDispatch();
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  /**
   * Starts batches of the partitions that wait and run nothing, up to `partitionsConsumedConcurrently`
   * batches; the partitions of one topic share a batch while they hold fewer messages together than
   * `combinePartitionsBelow`.
   */
  private dispatch(): void {
    const limit = this.options.partitionsConsumedConcurrently ?? 3;
    const combineBelow = this.options.combinePartitionsBelow ?? 1;
    const ready = new Map<string, PartitionWork[]>();
    for (const work of this.work.values()) {
      if (work.running || work.pending.length === 0) continue;
      const works = ready.get(work.topic) ?? [];
      works.push(work);
      ready.set(work.topic, works);
    }
    for (const works of ready.values()) {
      let parts: BatchPart[] = [];
      let count = 0;
      for (const work of works) {
        if (parts.length === 0 && this.runningBatches >= limit) return;
        const messages = this.takeBatch(work);
        if (messages.length === 0) continue;
        parts.push({ work, messages });
        count += messages.length;
        if (count >= combineBelow) {
          this.start(parts);
          parts = [];
          count = 0;
        }
      }
      if (parts.length > 0) this.start(parts);
    }
  }

  private start(parts: BatchPart[]): void {
    for (const { work } of parts) work.running = true;
    this.runningBatches += 1;
    void this.handle(parts).finally(() => {
      for (const { work } of parts) work.running = false;
      this.runningBatches -= 1;
      if (this.buffered < MAX_BUFFERED_MESSAGES / 2) this.stream?.resume();
      if (this.runningBatches === 0) this.wakeIdle();
      this.dispatch();
    });
  }

  /** The pending messages of a partition, up to the fetch size, as one batch. */
  private takeBatch(work: PartitionWork): RawMessage[] {
    // Redelivered from the committed offset after an assignment change while a batch ran: done.
    let done = 0;
    while (done < work.pending.length && work.pending[done].offset < work.committedUpTo) done += 1;
    this.buffered -= done;
    work.pending.splice(0, done);
    const budget = this.options.maxBytesPerPartition ?? 1_048_576;
    let bytes = 0;
    let count = 0;
    while (count < work.pending.length && (count === 0 || bytes < budget)) {
      bytes += work.pending[count].value?.length ?? 0;
      count += 1;
    }
    this.buffered -= count;
    return work.pending.splice(0, count);
  }

  private async handle(parts: BatchPart[]): Promise<void> {
    const handler = this.subscription?.handler;
    if (!handler) return;
    const epoch = this.epoch();
    const generation = epoch.generation;
    const topic = parts[0].work.topic;
    const works = new Map(parts.map(({ work }) => [work.partition, work]));
    const isActive = () =>
      !this.stopping &&
      generation === this.streamGeneration &&
      epoch.membership === this.membership &&
      this.stream !== null &&
      this.heartbeatFresh() &&
      parts.every(({ work }) => this.owns(work.topic, work.partition));
    const messages = parts.flatMap(({ messages: raw }) =>
      raw.map((message) => {
        const inbound = toInbound(message);
        this.rawOf.set(inbound, message);
        return inbound;
      }),
    );
    const continues = parts.every(
      ({ work, messages: raw }) =>
        work.continuation !== null &&
        work.continuation.offset === raw[0].offset &&
        sameEpoch(work.continuation.epoch, epoch),
    );
    for (let attempt = 1; isActive(); attempt += 1) {
      try {
        await handler(
          {
            topic,
            partitions: [...works.keys()],
            messages,
            // A retry hands over what the failed attempt may have started on.
            firstHandling: continues && attempt === 1,
          },
          {
            isActive,
            commit: async (message) => {
              if (!isActive()) return false;
              const original = this.rawOf.get(message);
              const work = works.get(message.partition);
              if (!original || !work || message.topic !== topic)
                throw new Error(
                  `commit of a message this batch did not deliver (${message.topic}:${message.partition})`,
                );
              if (this.options.commitIntervalMs) {
                this.markDone(work, original, epoch);
                this.pendingCommits.set(work.key, { message: original, epoch });
                this.scheduleFlush();
                return isActive();
              }
              try {
                await original.commit();
                this.markDone(work, original, epoch);
                // A member fenced while the batch ran rejoins before the queued commit is sent; the
                // commit then lands (the work is done), but the rest of the batch is not this
                // member's to continue: it is fetched again in order from the committed offset.
                return isActive();
              } catch (error) {
                // The partition moved to another member meanwhile: the database work is committed,
                // the new owner sees these messages again and skips them (inbox).
                if (!isActive() || isRebalanceError(error)) return false;
                throw error;
              }
            },
          },
        );
        if (!isActive()) this.afterStop(parts, generation);
        return;
      } catch (error) {
        // Nothing of the batch past the last commit is lost: it is handed over again, in order.
        this.log('error', 'kafka batch handler failed; the batch is retried', {
          topic,
          partitions: [...works.keys()],
          attempt,
          error,
        });
        await this.pauseUnlessStopped(Math.min(30_000, RETRY_DELAY_MS * attempt));
      }
    }
    this.afterStop(parts, generation);
  }

  private epoch(): Epoch {
    return {
      generation: this.streamGeneration,
      membership: this.membership,
      assignmentChanges: this.assignmentChanges,
    };
  }

  /** The partition counts as done up to `message`, and a batch starting after it continues this one. */
  private markDone(work: PartitionWork, message: RawMessage, epoch: Epoch): void {
    if (message.offset + 1n > work.committedUpTo) work.committedUpTo = message.offset + 1n;
    work.continuation = { offset: message.offset + 1n, epoch };
  }

  private scheduleFlush(): void {
    if (this.commitTimer || this.stopping) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = null;
      void this.flushCommits();
    }, this.options.commitIntervalMs);
  }

  /**
   * Sends the pending offsets, in one request (the client merges commits asked for in one tick).
   * An offset of a partition this member has lost since is dropped: sent now, it could move the new
   * owner's committed offset back. A failed commit is tried again with the next flush.
   */
  private flushCommits(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const pending = [...this.pendingCommits.entries()];
      this.pendingCommits.clear();
      await Promise.all(
        pending.map(async ([key, commit]) => {
          const { message } = commit;
          if (!sameEpoch(commit.epoch, this.epoch()) || !this.owns(message.topic, message.partition)) return;
          try {
            await message.commit();
          } catch (error) {
            if (isRebalanceError(error)) return;
            this.log('warn', 'kafka offset commit failed; sent again with the next flush', {
              topic: message.topic,
              partition: message.partition,
              error,
            });
            if (this.pendingCommits.has(key)) return;
            this.pendingCommits.set(key, commit);
            this.scheduleFlush();
          }
        }),
      );
    });
    return this.flushing;
  }

  /** A retry pause that a shutdown cuts short: the batch then returns, and nothing waits for it. */
  private async pauseUnlessStopped(ms: number): Promise<void> {
    await delay(ms, undefined, { signal: this.stopped.signal }).catch(() => undefined);
  }

  /**
   * A batch that stopped early left messages behind that the stream has already fetched past. A
   * partition revoked meanwhile is the new owner's, from the committed offset. When the batch
   * stopped because another of its partitions was revoked, what it left of the ones still held goes
   * back in front of what waits for them. Any other stop while a partition is still this member's
   * (its heartbeats went stale during a broker outage, say) replaces the stream, so the messages
   * come again, in order, from the committed offsets.
   */
  private afterStop(parts: BatchPart[], generation: number): void {
    if (this.stopping || generation !== this.streamGeneration || !this.stream) return;
    const held = parts.filter(({ work }) => this.owns(work.topic, work.partition));
    // Revoked: the new owner goes on from the committed offset, and so does this member if the
    // partition comes back (its fetch position is reset then).
    for (const part of parts) if (!held.includes(part)) this.forget(part.work);
    if (held.length === 0) return;
    if (held.length < parts.length && this.heartbeatFresh()) {
      for (const { work, messages } of held) this.handBack(work, messages);
      this.scheduleDispatch();
      return;
    }
    this.log('warn', 'kafka batch stopped early; fetching again from the committed offsets', {
      topic: parts[0].work.topic,
      partitions: held.map(({ work }) => work.partition),
    });
    this.reopen(this.stream, RETRY_DELAY_MS);
  }

  /**
   * Puts the messages of a stopped batch that are not done back before the partition's waiting
   * ones: those below the first waiting message (or below what was received, when none waits), so
   * nothing the client fetched again after a reset is held twice. They are not a first handling.
   */
  private handBack(work: PartitionWork, messages: RawMessage[]): void {
    const limit = work.pending[0]?.offset ?? work.receivedUpTo;
    const rest = messages.filter((message) => message.offset >= work.committedUpTo && message.offset < limit);
    if (rest.length === 0) return;
    work.pending.unshift(...rest);
    this.buffered += rest.length;
    work.continuation = null;
  }
}

export function toInbound(message: RawMessage): InboundMessage {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset.toString(),
    key: message.key ?? null,
    value: message.value ?? null,
    headers: toHeaders(message.headers),
    timestamp: message.timestamp.toString(),
  };
}

function toHeaders(headers: Map<string, string>): Headers {
  const result: Headers = {};
  for (const [name, value] of headers) if (!(name in result)) result[name] = value;
  return result;
}

const REBALANCE_ERRORS = new Set([
  'UNKNOWN_MEMBER_ID',
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'FENCED_INSTANCE_ID',
  'STALE_MEMBER_EPOCH',
  'FENCED_MEMBER_EPOCH',
]);

/** Whether the broker refused because the group moved on (the client nests its error). */
function isRebalanceError(error: unknown): boolean {
  return kafkaErrorChain(error).some(({ apiId }) => typeof apiId === 'string' && REBALANCE_ERRORS.has(apiId));
}
