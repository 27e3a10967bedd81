#!/usr/bin/env bash
# Raw produce throughput of the Kafka broker, measured with Kafka's own ProducerPerformance
# (kafka-producer-perf-test) from the same jars as the local broker (deploy/kafka/pom.xml).
#
#   bash bench/kafka-produce.sh                  # 200000 records of 1 KiB, acks=all, no throttling
#   NUM_RECORDS=50000 RECORD_SIZE=512 PARTITIONS=3 bash bench/kafka-produce.sh
#
# Uses KAFKA_BROKERS when set, else starts/uses the local broker (deploy/stack.sh up). Each run writes
# to a fresh topic that is deleted afterwards; the full output is kept in .stack/bench/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

NUM_RECORDS="${NUM_RECORDS:-200000}"
RECORD_SIZE="${RECORD_SIZE:-1024}"
PARTITIONS="${PARTITIONS:-6}"

bash deploy/stack.sh jars
bash deploy/stack.sh up
eval "$(bash deploy/stack.sh env)"
brokers="$KAFKA_BROKERS"

tool() { java -Xms256m -Xmx512m -cp "$ROOT/deploy/kafka/target/lib/*" "$@"; }

topic="bench.produce-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p .stack/bench
log=".stack/bench/kafka-produce-$(date +%Y%m%d-%H%M%S).log"

delete_topic() {
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --delete --topic "$topic" >/dev/null 2>&1 ||
    echo "bench: could not delete topic $topic (delete it by hand)" >&2
}

echo "bench: topic $topic ($PARTITIONS partitions) on $brokers"
tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --create --topic "$topic" \
  --partitions "$PARTITIONS" --replication-factor 1 >/dev/null
trap delete_topic EXIT

echo "bench: ProducerPerformance --num-records $NUM_RECORDS --record-size $RECORD_SIZE --throughput -1 acks=all"
# --command-property is the 4.x name of the deprecated --producer-props (same meaning).
tool org.apache.kafka.tools.ProducerPerformance --topic "$topic" \
  --num-records "$NUM_RECORDS" --record-size "$RECORD_SIZE" --throughput -1 \
  --command-property acks=all "bootstrap.servers=$brokers" 2>&1 | tee "$log"

echo # ProducerPerformance does not end its summary with a newline
summary="$(grep -E '^[0-9]+ records sent, .*99\.9th' "$log" | tail -n1 || true)"
if [[ -z "$summary" ]]; then
  echo "bench: ProducerPerformance printed no summary line; see $log" >&2
  exit 1
fi
echo "bench: kafka $(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' deploy/kafka/pom.xml | head -n1), $NUM_RECORDS x $RECORD_SIZE B, $PARTITIONS partitions, acks=all"
echo "bench: $summary"
