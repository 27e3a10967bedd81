#!/usr/bin/env bash
# A throw-away single-node Kafka (KRaft), for the benchmark and for the test lane that runs beside
# the others (scripts/test.sh): the same jars and the same deploy/kafka/server.properties as the dev
# broker of deploy/stack.sh, but its own ports (127.0.0.1:9192, controller :9193; SCRATCH_KAFKA_PORT
# moves both) and its own data directory (.stack/scratch-kafka-<port>, formatted fresh on every start
# and deleted on stop). The dev/test broker on :9092, its topics and its consumer groups are never
# touched.
#
#   bash deploy/scratch-kafka.sh start    # format, start, wait until it answers; prints the pid
#   bash deploy/scratch-kafka.sh stop     # stop the broker started by 'start' (by its pid file), delete its data
#   bash deploy/scratch-kafka.sh brokers  # prints 127.0.0.1:<port>
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PORT="${SCRATCH_KAFKA_PORT:-9192}"
CPORT=$((PORT + 1))
STATE="$ROOT/.stack/scratch-kafka-$PORT"
PIDFILE="$STATE/kafka.pid"
LIB="$ROOT/deploy/kafka/target/lib"

say() { printf 'scratch-kafka: %s\n' "$*"; }
die() {
  printf 'scratch-kafka: ERROR: %s\n' "$*" >&2
  exit 1
}

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

answers() { (cd "$ROOT" && timeout 15 node scripts/support/kafka-answers.mjs "127.0.0.1:$PORT") >/dev/null 2>&1; }

# Pid of the broker we started, if it is alive and really is our kafka.Kafka.
running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka\.Kafka $STATE/server.properties" || return 1
  printf '%s\n' "$pid"
}

start() {
  if running_pid >/dev/null; then die "already running (pid $(running_pid)); 'bash deploy/scratch-kafka.sh stop' first"; fi
  for p in "$PORT" "$CPORT"; do
    port_open "$p" && die "port $p is in use; free it or set SCRATCH_KAFKA_PORT"
  done
  command -v java >/dev/null || die "java not found (Kafka needs Java 17+)"
  bash deploy/stack.sh jars >/dev/null
  rm -rf "$STATE"
  mkdir -p "$STATE/data" "$STATE/logs"
  sed -e "s#@KAFKA_DATA_DIR@#$STATE/data#g" \
    -e "s#127\.0\.0\.1:9092#127.0.0.1:$PORT#g" -e "s#127\.0\.0\.1:9093#127.0.0.1:$CPORT#g" \
    deploy/kafka/server.properties >"$STATE/server.properties"
  grep -q "127.0.0.1:$PORT" "$STATE/server.properties" || die "could not rewrite the listener ports of server.properties"
  local cid
  # A Kafka cluster id: 16 random bytes, base64url, not starting with '-' (as StorageTool random-uuid).
  cid="$(node -e 'let id; do id = require("crypto").randomBytes(16).toString("base64url"); while (id.startsWith("-")); console.log(id)')"
  if ! java -Xmx256m -cp "$LIB/*" kafka.tools.StorageTool format --standalone -t "$cid" \
    -c "$STATE/server.properties" >"$STATE/logs/format.out" 2>&1; then
    cat "$STATE/logs/format.out" >&2
    die "formatting the storage failed (output above)"
  fi
  # Same JVM settings as deploy/stack.sh; setsid so a Ctrl-C reaches our cleanup, not the broker.
  # shellcheck disable=SC2086
  (cd "$STATE" && exec setsid java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT/deploy/kafka/log4j2.yaml" -Dkafka.logs.dir="$STATE/logs" \
    -cp "$LIB/*" kafka.Kafka "$STATE/server.properties" \
    >"$STATE/logs/kafka.out" 2>&1 </dev/null 9>&-) &
  local pid=$!
  printf '%s\n' "$pid" >"$PIDFILE"
  local deadline=$((SECONDS + 90))
  until port_open "$PORT" && answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$STATE/logs/kafka.out" >&2 || true
      rm -f "$PIDFILE"
      die "the broker exited during start-up (log above)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 20 "$STATE/logs/server.log" >&2 || true
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$PIDFILE"
      die "the broker did not answer within 90 s (log above); it was killed"
    fi
    sleep 0.5
  done
  say "up on 127.0.0.1:$PORT (pid $pid, data in ${STATE#"$ROOT"/})"
}

stop() {
  local pid
  if pid="$(running_pid)"; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      say "still running after 30 s, killing pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    say "stopped (pid $pid)"
  fi
  if [[ -n "${KEEP_LOG:-}" && -f "$STATE/logs/server.log" ]]; then
    cp "$STATE/logs/server.log" "$KEEP_LOG" || true
  fi
  rm -rf "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  pid) running_pid ;;
  brokers) echo "127.0.0.1:$PORT" ;;
  *)
    echo "usage: bash deploy/scratch-kafka.sh start|stop|pid|brokers" >&2
    exit 2
    ;;
esac
