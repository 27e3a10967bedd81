#!/usr/bin/env bash
# Local stack for development and tests: one Kafka node (KRaft, broker + controller), PostgreSQL and
# the Zipkin tracing backend (API and UI on http://127.0.0.1:9411/zipkin/).
#
#   bash deploy/stack.sh up       start what is missing (idempotent), wait until it answers
#   bash deploy/stack.sh down     stop the Kafka broker and Zipkin this checkout started (PostgreSQL is left running)
#   bash deploy/stack.sh status   one line per service
#   bash deploy/stack.sh env      print the exports to use: eval "$(bash deploy/stack.sh env)"
#   bash deploy/stack.sh zipkin   start only Zipkin (bench/ measures tracing against it)
#   bash deploy/stack.sh jars     make sure deploy/kafka/target/lib is complete (used by bench/)
#
# KAFKA_BROKERS set  -> that cluster is used, no broker is started.
# DATABASE_URL set   -> that database is used, the local server is not touched.
# Otherwise Kafka runs from the jars resolved by deploy/kafka/pom.xml, state in .stack/kafka/,
# on 127.0.0.1:9092 (controller 127.0.0.1:9093); PostgreSQL is the machine's cluster on 127.0.0.1:5432
# with the databases switchboard and switchboard_test (created when missing, never dropped here;
# `npm test` recreates switchboard_test, its own, at the start of every run).
# Zipkin runs from the jar resolved by deploy/zipkin/pom.xml (in-memory storage, state in .stack/zipkin/);
# a Zipkin already answering on 127.0.0.1:9411 is used as it is.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_DIR="$ROOT/deploy/kafka"
LIB="$KAFKA_DIR/target/lib"
STATE="$ROOT/.stack/kafka"
DATA="$STATE/data"
LOGS="$STATE/logs"
PIDFILE="$STATE/kafka.pid"

LOCAL_KAFKA_HOST=127.0.0.1
LOCAL_KAFKA_PORT=9092
LOCAL_BROKERS="$LOCAL_KAFKA_HOST:$LOCAL_KAFKA_PORT"
PG_HOST=127.0.0.1
PG_PORT=5432
PG_DATABASES=(switchboard switchboard_test)
DEFAULT_DATABASE_URL="postgres://postgres@$PG_HOST:$PG_PORT/switchboard"

ZIPKIN_DIR="$ROOT/deploy/zipkin"
ZIPKIN_LIB="$ZIPKIN_DIR/target/lib"
ZIPKIN_STATE="$ROOT/.stack/zipkin"
ZIPKIN_PIDFILE="$ZIPKIN_STATE/zipkin.pid"
ZIPKIN_HOST=127.0.0.1
ZIPKIN_PORT=9411
ZIPKIN_START_TIMEOUT="${ZIPKIN_START_TIMEOUT:-90}"
# In-memory storage keeps the newest spans; bounded so a benchmark run cannot exhaust the heap.
ZIPKIN_JAVA_OPTS="${ZIPKIN_JAVA_OPTS:--Xms256m -Xmx1g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}"
ZIPKIN_MAX_SPANS="${ZIPKIN_MAX_SPANS:-100000}"

KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"

say() { printf 'stack: %s\n' "$*"; }
die() {
  printf 'stack: ERROR: %s\n' "$*" >&2
  exit 1
}

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_DIR/pom.xml" | head -n1; }

# True when something accepts TCP connections on host:port (1 s budget).
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# True when a Kafka cluster at $1 (comma-separated host:port list) answers a metadata request.
broker_answers() {
  local brokers="$1"
  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [[ -f "$ROOT/node_modules/@platformatic/kafka/package.json" && "$node_major" -ge 22 ]]; then
    (cd "$ROOT" && timeout 15 node scripts/support/kafka-answers.mjs "$brokers") >/dev/null 2>&1
  elif [[ -f "$LIB/.complete" ]]; then
    timeout 30 java -Xmx256m -cp "$LIB/*" org.apache.kafka.tools.TopicCommand \
      --bootstrap-server "$brokers" --list >/dev/null 2>&1
  else
    local first="${brokers%%,*}"
    port_open "${first%:*}" "${first##*:}"
  fi
}

require_java() {
  command -v java >/dev/null || die "java not found: Kafka $(kafka_version) needs Java 17+ (apt-get install openjdk-17-jre-headless)"
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [[ "${major%%.*}" =~ ^[0-9]+$ && "${major%%.*}" -ge 17 ]] ||
    die "Java ${major:-?} found, Kafka $(kafka_version) needs Java 17+ (apt-get install openjdk-17-jre-headless)"
}

# Resolve the broker/tool jars into deploy/kafka/target/lib once; the stamp is the pom's checksum.
ensure_jars() {
  local stamp
  stamp="$(sha256sum "$KAFKA_DIR/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$LIB/.complete" && "$(cat "$LIB/.complete")" == "$stamp" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found: it resolves the Kafka jars (apt-get install maven)"
  say "resolving Kafka $(kafka_version) jars with Maven (once) ..."
  rm -rf "$LIB"
  if ! (cd "$KAFKA_DIR" && mvn -q -B dependency:copy-dependencies >"$KAFKA_DIR/target-mvn.log" 2>&1); then
    tail -n 20 "$KAFKA_DIR/target-mvn.log" >&2 || true
    die "Maven could not resolve the Kafka jars (log above); check access to Maven Central, then rerun"
  fi
  rm -f "$KAFKA_DIR/target-mvn.log"
  ls "$LIB"/kafka_2.13-*.jar "$LIB"/kafka-tools-*.jar >/dev/null 2>&1 || die "Maven ran but $LIB lacks the Kafka jars"
  printf '%s\n' "$stamp" >"$LIB/.complete"
}

# Pid of the broker this checkout started, if it is alive (and really is our kafka.Kafka).
running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' || return 1
  printf '%s\n' "$pid"
}

# Last lines of the broker's console output (fatal start-up errors land there) and/or server.log.
show_broker_log() {
  local f files=("$LOGS/server.log" "$LOGS/kafka.out")
  [[ "${1:-}" == console && -s "$LOGS/kafka.out" ]] && files=("$LOGS/kafka.out")
  for f in "${files[@]}"; do
    if [[ -s "$f" ]]; then
      printf -- '--- last lines of %s ---\n' "${f#"$ROOT"/}" >&2
      tail -n 15 "$f" >&2
    fi
  done
}

# "pid N" for a broker this checkout started, else a note that it is someone else's.
owner() { if [[ -n "$1" ]]; then echo "pid $1"; else echo "not started by this checkout"; fi; }

tool() { java -Xmx256m -cp "$LIB/*" "$@"; }

kafka_up() {
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    broker_answers "$KAFKA_BROKERS" ||
      die "KAFKA_BROKERS=$KAFKA_BROKERS does not answer; start that cluster or unset KAFKA_BROKERS to use the local broker"
    say "Kafka: using KAFKA_BROKERS=$KAFKA_BROKERS (nothing started)"
    return 0
  fi

  mkdir -p "$STATE" "$LOGS"
  exec 9>"$STATE/.lock"
  flock -w 180 9 || die "another 'stack.sh up' holds $STATE/.lock for 3 min; wait for it or remove the lock"

  local pid=""
  pid="$(running_pid || true)"
  if port_open "$LOCAL_KAFKA_HOST" "$LOCAL_KAFKA_PORT" && broker_answers "$LOCAL_BROKERS"; then
    say "Kafka: already up on $LOCAL_BROKERS ($(owner "$pid"))"
    return 0
  fi
  if [[ -z "$pid" ]] && port_open "$LOCAL_KAFKA_HOST" "$LOCAL_KAFKA_PORT"; then
    die "port $LOCAL_KAFKA_PORT is taken by something that does not answer as Kafka; free it (ss -ltnp 'sport = :$LOCAL_KAFKA_PORT') or set KAFKA_BROKERS"
  fi

  if [[ -z "$pid" ]]; then
    require_java
    ensure_jars
    rm -f "$PIDFILE"
    sed "s#@KAFKA_DATA_DIR@#$DATA#g" "$KAFKA_DIR/server.properties" >"$STATE/server.properties"

    if [[ ! -f "$DATA/meta.properties" ]]; then
      [[ -s "$STATE/cluster.id" ]] || tool kafka.tools.StorageTool random-uuid >"$STATE/cluster.id"
      local cid
      cid="$(tr -d '[:space:]' <"$STATE/cluster.id")"
      say "Kafka: formatting KRaft storage in ${DATA#"$ROOT"/} (cluster id $cid)"
      if ! tool kafka.tools.StorageTool format --standalone -t "$cid" -c "$STATE/server.properties" >"$LOGS/format.out" 2>&1; then
        cat "$LOGS/format.out" >&2
        die "formatting the KRaft storage failed (output above); if ${DATA#"$ROOT"/} is damaged, move it away and rerun"
      fi
    fi

    say "Kafka: starting $(kafka_version) on $LOCAL_BROKERS (logs in ${LOGS#"$ROOT"/})"
    # setsid: the broker must outlive the shell (and the job/process group) that started it.
    # shellcheck disable=SC2086
    (cd "$STATE" && exec setsid nohup java $KAFKA_HEAP_OPTS $KAFKA_JVM_OPTS \
      -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.yaml" -Dkafka.logs.dir="$LOGS" \
      -cp "$LIB/*" kafka.Kafka "$STATE/server.properties" \
      >"$LOGS/kafka.out" 2>&1 </dev/null 9>&-) &
    pid=$!
    printf '%s\n' "$pid" >"$PIDFILE"
  else
    say "Kafka: broker pid $pid is starting; waiting for it"
  fi

  local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE"
      show_broker_log console
      die "the Kafka broker exited during start-up (log above); fix the cause, then rerun 'bash deploy/stack.sh up'"
    fi
    if port_open "$LOCAL_KAFKA_HOST" "$LOCAL_KAFKA_PORT" && broker_answers "$LOCAL_BROKERS"; then
      break
    fi
    if ((SECONDS >= deadline)); then
      show_broker_log
      die "Kafka did not answer on $LOCAL_BROKERS within ${KAFKA_START_TIMEOUT}s (log above); try 'bash deploy/stack.sh down && bash deploy/stack.sh up'"
    fi
    sleep 1
  done
  say "Kafka: up on $LOCAL_BROKERS (pid $pid)"
}

kafka_down() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PIDFILE"
    if [[ -n "${KAFKA_BROKERS:-}" ]]; then
      say "Kafka: using KAFKA_BROKERS=$KAFKA_BROKERS, nothing to stop"
    elif port_open "$LOCAL_KAFKA_HOST" "$LOCAL_KAFKA_PORT"; then
      say "Kafka: something answers on $LOCAL_BROKERS but this checkout did not start it; left alone"
    else
      say "Kafka: not running"
    fi
    return 0
  fi
  say "Kafka: stopping pid $pid ..."
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    say "Kafka: still running after 60 s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$PIDFILE"
  say "Kafka: stopped"
}

zipkin_answers() {
  timeout 3 curl -fsS "http://$ZIPKIN_HOST:$ZIPKIN_PORT/health" 2>/dev/null | grep -q '"UP"'
}

# Pid of the Zipkin server this checkout started, if it is alive.
zipkin_pid() {
  [[ -f "$ZIPKIN_PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$ZIPKIN_PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'zipkin-server' || return 1
  printf '%s\n' "$pid"
}

# Resolve the Zipkin server jar into deploy/zipkin/target/lib once; the stamp is the pom's checksum.
ensure_zipkin_jar() {
  local stamp
  stamp="$(sha256sum "$ZIPKIN_DIR/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$ZIPKIN_LIB/.complete" && "$(cat "$ZIPKIN_LIB/.complete")" == "$stamp" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found: it resolves the Zipkin server jar (apt-get install maven)"
  say "resolving the Zipkin server jar with Maven (once) ..."
  rm -rf "$ZIPKIN_LIB"
  if ! (cd "$ZIPKIN_DIR" && mvn -q -B dependency:copy-dependencies >"$ZIPKIN_DIR/target-mvn.log" 2>&1); then
    tail -n 20 "$ZIPKIN_DIR/target-mvn.log" >&2 || true
    die "Maven could not resolve the Zipkin server (log above); check access to Maven Central, then rerun"
  fi
  rm -f "$ZIPKIN_DIR/target-mvn.log"
  [[ -f "$ZIPKIN_LIB/zipkin-server-exec.jar" ]] || die "Maven ran but $ZIPKIN_LIB lacks zipkin-server-exec.jar"
  printf '%s\n' "$stamp" >"$ZIPKIN_LIB/.complete"
}

zipkin_up() {
  mkdir -p "$ZIPKIN_STATE"
  exec 8>"$ZIPKIN_STATE/.lock"
  flock -w 180 8 || die "another 'stack.sh up' holds $ZIPKIN_STATE/.lock for 3 min; wait for it or remove the lock"
  local pid=""
  pid="$(zipkin_pid || true)"
  if zipkin_answers; then
    say "Zipkin: already up on http://$ZIPKIN_HOST:$ZIPKIN_PORT/zipkin/ ($(owner "$pid"))"
    return 0
  fi
  if [[ -z "$pid" ]] && port_open "$ZIPKIN_HOST" "$ZIPKIN_PORT"; then
    die "port $ZIPKIN_PORT is taken by something that does not answer as Zipkin; free it (ss -ltnp 'sport = :$ZIPKIN_PORT')"
  fi
  if [[ -z "$pid" ]]; then
    require_java
    ensure_zipkin_jar
    say "Zipkin: starting on http://$ZIPKIN_HOST:$ZIPKIN_PORT/zipkin/ (logs in ${ZIPKIN_STATE#"$ROOT"/})"
    # shellcheck disable=SC2086
    (cd "$ZIPKIN_STATE" && exec setsid nohup env STORAGE_TYPE=mem MEM_MAX_SPANS="$ZIPKIN_MAX_SPANS" \
      QUERY_PORT="$ZIPKIN_PORT" java $ZIPKIN_JAVA_OPTS -jar "$ZIPKIN_LIB/zipkin-server-exec.jar" \
      >"$ZIPKIN_STATE/zipkin.out" 2>&1 </dev/null 8>&- 9>&-) &
    pid=$!
    printf '%s\n' "$pid" >"$ZIPKIN_PIDFILE"
  else
    say "Zipkin: pid $pid is starting; waiting for it"
  fi
  local deadline=$((SECONDS + ZIPKIN_START_TIMEOUT))
  until zipkin_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$ZIPKIN_PIDFILE"
      tail -n 15 "$ZIPKIN_STATE/zipkin.out" >&2 || true
      die "Zipkin exited during start-up (log above)"
    fi
    ((SECONDS < deadline)) || die "Zipkin did not answer on $ZIPKIN_HOST:$ZIPKIN_PORT within ${ZIPKIN_START_TIMEOUT}s (see .stack/zipkin/zipkin.out)"
    sleep 1
  done
  say "Zipkin: up on http://$ZIPKIN_HOST:$ZIPKIN_PORT/zipkin/ (pid $pid)"
}

zipkin_down() {
  local pid
  if ! pid="$(zipkin_pid)"; then
    rm -f "$ZIPKIN_PIDFILE"
    if zipkin_answers; then
      say "Zipkin: something answers on $ZIPKIN_HOST:$ZIPKIN_PORT but this checkout did not start it; left alone"
    else
      say "Zipkin: not running"
    fi
    return 0
  fi
  say "Zipkin: stopping pid $pid ..."
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$ZIPKIN_PIDFILE"
  say "Zipkin: stopped"
}

zipkin_status() {
  local pid
  pid="$(zipkin_pid || true)"
  if zipkin_answers; then
    say "Zipkin: up on http://$ZIPKIN_HOST:$ZIPKIN_PORT/zipkin/ ($(owner "$pid"))"
  elif [[ -n "$pid" ]]; then
    say "Zipkin: pid $pid runs but does not answer (starting? see .stack/zipkin/zipkin.out)"
  else
    say "Zipkin: down (start it with 'bash deploy/stack.sh up')"
  fi
}

redact() { sed -E 's#//([^:/@]+):[^@/]*@#//\1:***@#' <<<"$1"; }

# psql against the local server's maintenance database.
local_psql() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres "$@"; }

pg_up() {
  command -v pg_isready >/dev/null && command -v psql >/dev/null ||
    die "psql/pg_isready not found: install PostgreSQL (apt-get install postgresql) or set DATABASE_URL"
  if [[ -n "${DATABASE_URL:-}" ]]; then
    pg_isready -q -d "$DATABASE_URL" -t 10 ||
      die "DATABASE_URL=$(redact "$DATABASE_URL") does not answer; start that server or unset DATABASE_URL to use the local one"
    say "PostgreSQL: using DATABASE_URL=$(redact "$DATABASE_URL") (nothing started)"
    return 0
  fi
  if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3; then
    command -v pg_ctlcluster >/dev/null ||
      die "PostgreSQL is not running on $PG_HOST:$PG_PORT and pg_ctlcluster is missing: install it (apt-get install postgresql) or set DATABASE_URL"
    local version
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1 || true)"
    [[ -n "$version" ]] || die "no PostgreSQL cluster in /etc/postgresql: create one (pg_createcluster 15 main) or set DATABASE_URL"
    say "PostgreSQL: starting cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
      die "could not start PostgreSQL $version/main; see /var/log/postgresql/postgresql-$version-main.log"
    local deadline=$((SECONDS + 30))
    until pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2; do
      ((SECONDS < deadline)) || die "PostgreSQL $version/main started but does not answer on $PG_HOST:$PG_PORT; see /var/log/postgresql/"
      sleep 1
    done
  fi
  local db created=()
  for db in "${PG_DATABASES[@]}"; do
    if [[ "$(local_psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]]; then
      # A concurrent 'up' may win the race; only a database that is still missing is an error.
      if local_psql -c "CREATE DATABASE $db OWNER postgres" 2>/dev/null ||
        [[ "$(local_psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" == 1 ]]; then
        created+=("$db")
      else
        die "could not create database $db on $PG_HOST:$PG_PORT as user postgres (is trust/peer auth set up for it?)"
      fi
    fi
  done
  say "PostgreSQL: up on $PG_HOST:$PG_PORT (databases: ${PG_DATABASES[*]}${created[*]:+; created ${created[*]}})"
}

kafka_status() {
  local pid
  pid="$(running_pid || true)"
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    if broker_answers "$KAFKA_BROKERS"; then say "Kafka: KAFKA_BROKERS=$KAFKA_BROKERS answers"; else say "Kafka: KAFKA_BROKERS=$KAFKA_BROKERS does NOT answer"; fi
  elif port_open "$LOCAL_KAFKA_HOST" "$LOCAL_KAFKA_PORT" && broker_answers "$LOCAL_BROKERS"; then
    say "Kafka: up on $LOCAL_BROKERS ($(owner "$pid"))"
  elif [[ -n "$pid" ]]; then
    say "Kafka: pid $pid runs but does not answer on $LOCAL_BROKERS (starting? see .stack/kafka/logs/server.log)"
  else
    say "Kafka: down (start it with 'bash deploy/stack.sh up')"
  fi
}

pg_status() {
  if ! command -v pg_isready >/dev/null; then
    say "PostgreSQL: pg_isready not installed, cannot tell"
  elif [[ -n "${DATABASE_URL:-}" ]]; then
    if pg_isready -q -d "$DATABASE_URL" -t 3; then say "PostgreSQL: DATABASE_URL answers"; else say "PostgreSQL: DATABASE_URL does NOT answer"; fi
  elif pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3; then
    say "PostgreSQL: up on $PG_HOST:$PG_PORT"
  else
    say "PostgreSQL: down (start it with 'bash deploy/stack.sh up')"
  fi
}

print_env() {
  printf 'export KAFKA_BROKERS=%q\n' "${KAFKA_BROKERS:-$LOCAL_BROKERS}"
  printf 'export DATABASE_URL=%q\n' "${DATABASE_URL:-$DEFAULT_DATABASE_URL}"
}

case "${1:-}" in
  up)
    kafka_up
    pg_up
    zipkin_up
    ;;
  down)
    kafka_down
    zipkin_down
    ;;
  status)
    kafka_status
    pg_status
    zipkin_status
    ;;
  env) print_env ;;
  zipkin) zipkin_up ;;
  jars)
    require_java
    ensure_jars
    ensure_zipkin_jar
    ;;
  *)
    echo "usage: bash deploy/stack.sh up|down|status|env|zipkin|jars" >&2
    exit 2
    ;;
esac
