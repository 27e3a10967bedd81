#!/usr/bin/env bash
# On-demand end-to-end benchmark of Switchboard on this machine (see BENCHMARKS.md). One run prints,
# side by side: raw PostgreSQL insert-commit rate (pgbench), raw Kafka produce rate (Kafka's own
# ProducerPerformance, acks=all), ingest acceptance rate and pgbench of ingest's own statement at the
# same concurrency, outbox relay drain rate (100k rows), the apply rate of one consumer with its
# inbox beside its ceilings (a null handler on the same inbox transport, bench/null-consumer, and a
# plain Kafka consumer without database, bench/raw-consumer), ingest-commit -> fourth-effect latency
# at 200 deals/s, the same rate again with tracing off (CPU per deal), and each service's peak RSS.
#
#   bash bench/run.sh                 # ~9-10 minutes of measuring (the 1M initial load about 4), plus waits for a quiet machine
#   BENCH_PHASES="4 5" CONSUMERS=erp-orders bash bench/run.sh     # some phases only (5 reads 4's events)
#   CONSUMER_PARTITION_CONCURRENCY=6 bash bench/run.sh              # service knobs pass through
#
# Isolation (nothing shared is touched):
# - PostgreSQL: database switchboard_bench on the local server. Created (with a marker comment) when
#   missing; a database carrying that marker is dropped and recreated at the start of every run, one
#   without the marker (someone else's) is used as it is and never dropped.
# - Kafka: a scratch single-node broker started for this run from the same jars and the same
#   deploy/kafka/server.properties, on 127.0.0.1:9192 (controller :9193), data in .stack/scratch-kafka-9192
#   (deleted afterwards). The dev/test broker on :9092 and the consumer groups of running services
#   never see the benchmark's events. BENCH_KAFKA_BROKERS=host:port uses an existing cluster
#   instead (it then receives the benchmark's topics and events).
# - Services run from dist/ on ports 4300-4304 with LOG_LEVEL=warn and fresh consumer groups; the
#   benchmark's own apps (null and raw consumer) on 4306-4307. The null consumer has its own schema,
#   bench_null_consumer, provisioned with the services'.
#
# - The machine may be shared: each phase first waits (BENCH_QUIET_WAIT=120 s at most) until less than
#   BENCH_QUIET_BUSY=25 % of the cores are busy, and reports the CPU other processes used meanwhile.
#
# Knobs (environment): BENCH_PHASES="1 2 3 4 5 6 7" INITIAL_LOAD_COUNT=1000000 PG_SECONDS=10 PG_CLIENTS=4 KAFKA_RECORDS=200000
# INGEST_WORKERS=32 INGEST_SECONDS=10 RELAY_ROWS=100000 CONSUMER_EVENTS=50000 CONSUMER_MAX_SECONDS=25
# CONSUMERS="marketing-segments erp-orders" LATENCY_RATE=200 LATENCY_SECONDS=60 LATENCY_FLOOR_RATE=50
# LATENCY_FLOOR_SECONDS=15 LATENCY_UNTRACED_SECONDS=LATENCY_SECONDS/2 (the tracing-off run at
# LATENCY_RATE and the tracing-on run after it; 0 skips both) BENCH_PORT_BASE=4300
# BENCH_CPU_PROFILE=1 (V8 profile summary per service).
# Service tuning passes through: OUTBOX_BATCH_SIZE, CONSUMER_MAX_TRANSACTION_SIZE,
# CONSUMER_PARTITION_CONCURRENCY, DATABASE_POOL_SIZE, ... (libs/platform/src/config/platform-env.ts).
# Everything printed is also kept in .stack/bench/run-<timestamp>/ (output.log, results.json, logs/).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The Node.js of .nvmrc (fetched from the npm registry when the machine's own is older).
source scripts/support/node.sh

BENCH_DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/switchboard_bench}"
PG_SECONDS="${PG_SECONDS:-10}"
PG_CLIENTS="${PG_CLIENTS:-4}"
KAFKA_RECORDS="${KAFKA_RECORDS:-200000}"

DB_NAME="${BENCH_DATABASE_URL##*/}"
DB_NAME="${DB_NAME%%\?*}"
ADMIN_URL="${BENCH_DATABASE_URL%/*}/postgres"
DB_MARKER='Switchboard benchmark scratch database, owned by bench/run.sh: dropped and recreated by every run'

RUN_ID="$(date +%Y%m%d-%H%M%S)"
STATE="$ROOT/.stack/bench"
RUN_DIR="$STATE/run-$RUN_ID"
mkdir -p "$RUN_DIR/logs"
exec > >(tee "$RUN_DIR/output.log") 2>&1

started=$SECONDS
BENCH_PHASES="${BENCH_PHASES:-1 2 3 4 5 6 7}"
export BENCH_PHASES
wants() { [[ " $BENCH_PHASES " == *" $1 "* ]]; }
step() { printf '\n== [%3ds] %s\n' "$((SECONDS - started))" "$*"; }
die() {
  printf 'bench: ERROR: %s\n' "$*" >&2
  exit 1
}

SCRATCH_KAFKA=""  # "starting" / "up" when this run started a scratch broker
SCRATCH_JOB=""
NODE_PID=""
ZIPKIN_RENICED=""  # the Zipkin pid this run lowered in priority
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  [[ -n "$ZIPKIN_RENICED" ]] && renice -n 0 -p "$ZIPKIN_RENICED" >/dev/null 2>&1 || true
  if [[ -n "$NODE_PID" ]] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
  fi
  if [[ -n "$SCRATCH_KAFKA" ]]; then
    [[ -n "$SCRATCH_JOB" ]] && wait "$SCRATCH_JOB" 2>/dev/null || true
    KEEP_LOG="$RUN_DIR/logs/kafka-server.log" bash deploy/scratch-kafka.sh stop || true
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

admin_psql() { psql -X -q -v ON_ERROR_STOP=1 -d "$ADMIN_URL" "$@"; }
bench_psql() { psql -X -q -v ON_ERROR_STOP=1 -d "$BENCH_DATABASE_URL" "$@"; }

# True when the Kafka cluster at $1 answers a metadata request (same check as deploy/stack.sh).
broker_answers() { timeout 15 node scripts/support/kafka-answers.mjs "$1" >/dev/null 2>&1; }

# Waits for the background 'scratch-kafka.sh start' of this run.
wait_scratch_kafka() {
  [[ "$SCRATCH_KAFKA" == starting ]] || return 0
  if ! wait "$SCRATCH_JOB"; then
    SCRATCH_JOB=""
    SCRATCH_KAFKA="" # a failed start cleans up after itself; never stop a broker this run did not start
    cat "$RUN_DIR/logs/scratch-kafka.out" >&2 || true
    die "the scratch Kafka broker did not start (output above)"
  fi
  SCRATCH_JOB=""
  SCRATCH_KAFKA=up
  cat "$RUN_DIR/logs/scratch-kafka.out"
}

step "machine"
echo "run $RUN_ID: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "node $(node --version), $(psql --version | head -n1), Kafka $(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' deploy/kafka/pom.xml | head -n1)"
# A benchmark on a shared machine measures the neighbours too: before each phase, wait (at most
# BENCH_QUIET_WAIT s, default 120; 0 = never) until the machine is quiet, i.e. less than
# BENCH_QUIET_BUSY % (default 25) of all cores busy over 3 s, then go on regardless. Every phase
# also reports the CPU that unrelated processes used meanwhile ("others used").
machine_busy() { # percent of all cores busy over $1 seconds
  local a b total=0 i
  read -ra a < <(head -n1 /proc/stat)
  sleep "$1"
  read -ra b < <(head -n1 /proc/stat)
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  local idle=$((b[4] - a[4] + b[5] - a[5]))
  echo $(((100 * (total - idle)) / (total > 0 ? total : 1)))
}
wait_quiet() {
  local deadline=$((SECONDS + ${BENCH_QUIET_WAIT:-120})) busy_now
  while :; do
    busy_now="$(machine_busy 3)"
    ((busy_now < ${BENCH_QUIET_BUSY:-25})) && break
    if ((SECONDS >= deadline)); then
      echo "bench: WARNING: the machine is ${busy_now}% busy with other work; measuring anyway, sharing the cores with:"
      ps -eo pcpu=,pid=,args= --sort=-pcpu | awk '$1 >= 5 {print}' | head -n 6 | cut -c1-140
      return 0
    fi
    echo "bench: the machine is ${busy_now}% busy with other work; waiting (at most ${BENCH_QUIET_WAIT:-120} s per phase)"
    sleep 5
  done
  echo "bench: machine ${busy_now}% busy before this phase"
}

[[ -d node_modules ]] || die "node_modules is missing: run 'npm ci' first"
bash deploy/stack.sh jars >/dev/null

if [[ -n "${BENCH_KAFKA_BROKERS:-}" ]]; then
  BROKERS="$BENCH_KAFKA_BROKERS"
  broker_answers "$BROKERS" || die "BENCH_KAFKA_BROKERS=$BROKERS does not answer"
  echo "Kafka: using the existing cluster $BROKERS (it receives the benchmark topics and events)"
else
  BROKERS="$(bash deploy/scratch-kafka.sh brokers)"
  echo "Kafka: starting a scratch broker on $BROKERS (deploy/scratch-kafka.sh) in the background"
  SCRATCH_KAFKA=starting
  bash deploy/scratch-kafka.sh start >"$RUN_DIR/logs/scratch-kafka.out" 2>&1 &
  SCRATCH_JOB=$!
fi

if [[ "${BENCH_BUILD:-1}" == 0 ]]; then
  # An A-B swaps builds of dist/: a build here would restore dist/ for the sources checked out.
  step "build skipped (BENCH_BUILD=0): dist/ runs as it is"
  [[ -f dist/bench/main.js ]] || die "BENCH_BUILD=0, but dist/ holds no build (npm run build)"
else
  step "build (Nx: libs, services, scripts, bench; cached per project)"
  npm run --silent build
fi

step "database $DB_NAME"
if ! pg_isready -q -d "$ADMIN_URL" -t 3; then
  [[ "$ADMIN_URL" == postgres://postgres@127.0.0.1:5432/postgres ]] || die "PostgreSQL at ${ADMIN_URL%%@*}@... does not answer"
  wait_scratch_kafka
  KAFKA_BROKERS="$BROKERS" bash deploy/stack.sh up
fi
comment="$(admin_psql -tAc "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = '$DB_NAME'")"
exists="$(admin_psql -tAc "SELECT count(*) FROM pg_database WHERE datname = '$DB_NAME'")"
if [[ "$exists" == 1 && "$comment" == "$DB_MARKER" ]]; then
  echo "dropping and recreating $DB_NAME (created by an earlier run: it carries the bench marker)"
  admin_psql -c "DROP DATABASE \"$DB_NAME\" WITH (FORCE)"
  exists=0
fi
if [[ "$exists" == 0 ]]; then
  admin_psql -c "CREATE DATABASE \"$DB_NAME\" OWNER postgres"
  admin_psql -c "COMMENT ON DATABASE \"$DB_NAME\" IS '$DB_MARKER'"
else
  echo "bench: WARNING: $DB_NAME exists without the bench marker; it is used as it is (not reset, never dropped)"
fi

wait_scratch_kafka

# The services' environment: development defaults (deploy/local.env) unless already set, then the
# benchmark's database, broker and log level.
while IFS='=' read -r key value; do
  [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
  [[ -n "${!key+x}" ]] || export "$key=$value"
done <deploy/local.env
export DATABASE_URL="$BENCH_DATABASE_URL" KAFKA_BROKERS="$BROKERS" LOG_LEVEL="${BENCH_LOG_LEVEL:-warn}"
export KAFKAJS_NO_PARTITIONER_WARNING=1

step "migrations and topics (dist/scripts/provision-all.js, dist/bench/null-consumer/provision.js)"
# Idempotent; retried because creating topics on a broker that started seconds ago can fail with
# "This server does not host this topic-partition" (see BENCHMARKS.md, findings).
for attempt in 1 2 3; do
  if node dist/scripts/provision-all.js && node dist/bench/null-consumer/provision.js; then break; fi
  ((attempt < 3)) || die "provisioning failed 3 times"
  echo "bench: provisioning failed (attempt $attempt), retrying in 2 s"
  sleep 2
done

pg_tps=null pg_latency=null kafka_rps=null kafka_mbps=null kafka_avg=null kafka_p99=null
if wants 1; then
  step "1/6 PostgreSQL: single-row INSERT transactions (pgbench, $PG_CLIENTS clients, ${PG_SECONDS}s)"
  wait_quiet
  bench_psql -c "CREATE SCHEMA IF NOT EXISTS bench" \
    -c "CREATE TABLE IF NOT EXISTS bench.pg_insert_probe (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), payload text NOT NULL)" \
    -c "TRUNCATE bench.pg_insert_probe"
  pgbench -n -c "$PG_CLIENTS" -j "$(( PG_CLIENTS < $(nproc) ? PG_CLIENTS : $(nproc) ))" -T "$PG_SECONDS" \
    -f bench/pg-insert.sql "$BENCH_DATABASE_URL" 2>&1 | tee "$RUN_DIR/pgbench.txt"
  pg_tps="$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$RUN_DIR/pgbench.txt" | head -n1)"
  pg_latency="$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$RUN_DIR/pgbench.txt" | head -n1)"
  [[ -n "$pg_tps" ]] || die "pgbench printed no tps line (see $RUN_DIR/pgbench.txt)"
fi

if wants 2; then
  step "2/6 Kafka: raw produce, acks=all (bench/kafka-produce.sh, $KAFKA_RECORDS x 1 KiB)"
  wait_quiet
  NUM_RECORDS="$KAFKA_RECORDS" bash bench/kafka-produce.sh 2>&1 | tee "$RUN_DIR/kafka-produce.txt"
  kafka_line="$(grep -E '^bench: [0-9]+ records sent' "$RUN_DIR/kafka-produce.txt" | tail -n1 || true)"
  [[ -n "$kafka_line" ]] || die "bench/kafka-produce.sh printed no summary (see $RUN_DIR/kafka-produce.txt)"
  num() { sed -n "s/.* \([0-9.]*\) $1.*/\1/p" <<<"$kafka_line" | head -n1; }
  kafka_rps="$(sed -n 's/.*records sent, \([0-9.]*\) records\/sec.*/\1/p' <<<"$kafka_line")"
  kafka_mbps="$(sed -n 's/.*records\/sec (\([0-9.]*\) MB\/sec).*/\1/p' <<<"$kafka_line")"
  kafka_avg="$(num 'ms avg latency')"
  kafka_p99="$(num 'ms 99th')"
fi

cat >"$RUN_DIR/shell-results.json" <<JSON
{
  "pg": { "tps": ${pg_tps:-null}, "latencyMs": ${pg_latency:-null}, "clients": ${PG_CLIENTS}, "seconds": ${PG_SECONDS} },
  "kafka": { "records": ${KAFKA_RECORDS}, "recordsPerSec": ${kafka_rps:-null}, "mbPerSec": ${kafka_mbps:-null},
             "avgMs": ${kafka_avg:-null}, "p99Ms": ${kafka_p99:-null} }
}
JSON

if wants 6; then
  # The services send their spans to the local Zipkin (deploy/local.env). With nothing answering
  # there, the exporter's failing sends would be measured as what tracing costs (6c).
  bash deploy/stack.sh zipkin
  # Zipkin is the bench's trace sink, not part of the system measured: in production it runs on
  # machines of its own. Here it shares the two cores, so it runs at the lowest priority and takes
  # only what the system leaves idle (its CPU still shows in "others used").
  if zipkin_pid="$(cat .stack/zipkin/zipkin.pid 2>/dev/null)" && renice -n 19 -p "$zipkin_pid" >/dev/null 2>&1; then
    ZIPKIN_RENICED="$zipkin_pid"
  fi
fi

step "3-6/6 services (ingest, relay, consumers, latency; phases: $BENCH_PHASES)"
BENCH_RUN_ID="$RUN_ID" BENCH_RUN_DIR="$RUN_DIR" BENCH_KAFKA_PID="$(bash deploy/scratch-kafka.sh pid || true)" BENCH_STARTED_AT="$started" \
  node --enable-source-maps dist/bench/main.js &
NODE_PID=$!
wait "$NODE_PID"
NODE_PID=""

if wants 7; then
  # The initial load has a database of its own (bench/customer-sync/initial-load.sh drops and creates
  # switchboard_bench_sync) and publishes nothing, so it needs neither the bench database nor a broker.
  step "7/7 customer-sync initial load (${INITIAL_LOAD_COUNT:-1000000} customers from one NDJSON export)"
  DATABASE_URL="" bash bench/customer-sync/initial-load.sh "${INITIAL_LOAD_COUNT:-1000000}" 2>&1 |
    grep -v '^\[[#-]' | tee "$RUN_DIR/initial-load.txt"
fi

printf '\nbench: done in %d s; everything above is in %s\n' "$((SECONDS - started))" "${RUN_DIR#"$ROOT"/}"
