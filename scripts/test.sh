#!/usr/bin/env bash
# `npm test`: dependencies, local stack (Kafka + PostgreSQL), typecheck, lint, then every Jest suite.
# Extra arguments go to Jest: `npm test -- test/kafka`, `npm test -- --selectProjects unit`.
# KAFKA_BROKERS / DATABASE_URL, when set, point the tests at an existing cluster / database instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The Node.js of .nvmrc (fetched from the npm registry when the machine's own is older).
source scripts/support/node.sh

step() { printf '\n== %s\n' "$*"; }

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  step "npm ci (node_modules missing or older than package-lock.json)"
  if ! npm ci --no-audit --no-fund; then
    # npm ci refuses a package-lock.json that is out of step with package.json. Install anyway (the lock
    # file is left untouched) so the tests still run, but say loudly that the lock needs fixing.
    echo "npm test: WARNING: npm ci failed; falling back to 'npm install --no-save'." >&2
    echo "npm test: WARNING: fix the lock file with 'npm install --package-lock-only' and commit it." >&2
    npm install --no-save --no-audit --no-fund
  fi
fi

# Development defaults (deploy/local.env, KEY=value lines); variables already set win.
if [[ -f deploy/local.env ]]; then
  while IFS='=' read -r key value; do
    [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    [[ -n "${!key+x}" ]] || export "$key=$value"
  done <deploy/local.env
fi

failed=()

step "local stack"
user_database_url="${DATABASE_URL:-}"
bash deploy/stack.sh up
eval "$(bash deploy/stack.sh env)"
export KAFKA_BROKERS
export DATABASE_URL="${user_database_url:-postgres://postgres@127.0.0.1:5432/switchboard_test}"
if [[ -z "$user_database_url" ]]; then
  # The suites' own database starts empty, as the broker of a fresh clone does: rows left by an
  # earlier run would meet the same topic offsets again (a poison message without a readable id is
  # known by its offset) and be taken for duplicates.
  psql -q -v ON_ERROR_STOP=1 "postgres://postgres@127.0.0.1:5432/postgres" \
    -c 'DROP DATABASE IF EXISTS switchboard_test WITH (FORCE)' -c 'CREATE DATABASE switchboard_test' ||
    failed+=(test-database)
fi

step "real systems: Tryton and Request Tracker for test/real-systems (deploy/real-systems.sh)"
bash deploy/real-systems.sh up || failed+=(real-systems)

# The suites that drive Tryton and Request Tracker spend most of their time waiting for them (Tryton is
# one Python process, about 0.8 s of its CPU per won deal), while the other suites wait mostly for
# Kafka and their own timers. A full run therefore tests in two lanes side by side: the real-systems
# lane gets a broker of its own (deploy/scratch-kafka.sh), so that neither lane's consumers see the
# other's events; its suites already use databases and ports of their own. Given paths or options,
# `npm test -- ...` runs one Jest as asked, on the stack's broker.
REAL_SYSTEMS_LANE=(test/real-systems test/pollers)
LANE_KAFKA_PORT="${TEST_LANE_KAFKA_PORT:-9292}"
lane=""
if (($# == 0)) && [[ "${TEST_LANES:-2}" == 2 ]]; then
  lane=starting
  mkdir -p .stack
  SCRATCH_KAFKA_PORT="$LANE_KAFKA_PORT" bash deploy/scratch-kafka.sh start >.stack/test-lane-kafka.out 2>&1 &
  lane_kafka_job=$!
fi
stop_lane_kafka() { [[ -z "$lane" ]] || SCRATCH_KAFKA_PORT="$LANE_KAFKA_PORT" bash deploy/scratch-kafka.sh stop >/dev/null 2>&1 || true; }
trap stop_lane_kafka EXIT

step "typecheck (tsc --noEmit)"
npx tsc -p tsconfig.json --noEmit || failed+=(typecheck)

step "lint (eslint)"
# @nx/enforce-module-boundaries reads the cached Nx project graph; without it the rule is skipped.
npx nx show projects >/dev/null 2>&1 ||
  echo "npm test: WARNING: Nx could not compute the project graph; module-boundary lint is skipped" >&2
npx eslint . || failed+=(lint)

step "build (the e2e tests run the services from dist/, as their containers do)"
npm run --silent build || failed+=(build)

step "promtool (test/observability/alert-rules.test.ts unit-tests the alert rules with it)"
if ! command -v promtool >/dev/null 2>&1; then
  # Debian's prometheus package ships promtool; without it the alert-rules test fails, saying so.
  apt-get install -y --no-install-recommends prometheus >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends prometheus >/dev/null; } ||
    echo "npm test: WARNING: could not install promtool (apt-get install prometheus)" >&2
fi

step "chromium (test/console drives Debian's Chromium with playwright-core)"
if [[ -z "${CHROMIUM_PATH:-}" && ! -x /usr/bin/chromium ]]; then
  apt-get install -y --no-install-recommends chromium >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; } ||
    echo "npm test: WARNING: could not install chromium (apt-get install chromium)" >&2
fi

mkdir -p .stack
results=.stack/jest-results.json
lane_results=.stack/jest-results-real-systems.json
lane_log=.stack/jest-real-systems.log
rm -f "$results" "$lane_results" "$lane_log"
# --forceExit: once every result is written, a client socket or timer a suite left open must not
# keep CI waiting for its time limit.
jest() { bash scripts/support/jest.sh --runInBand --forceExit --json "$@"; }
if [[ -n "$lane" ]]; then
  if wait "$lane_kafka_job"; then
    step "tests, two lanes: ${REAL_SYSTEMS_LANE[*]} on $(SCRATCH_KAFKA_PORT="$LANE_KAFKA_PORT" bash deploy/scratch-kafka.sh brokers) (log in $lane_log), the rest here"
    KAFKA_BROKERS="127.0.0.1:$LANE_KAFKA_PORT" jest --outputFile="$lane_results" "${REAL_SYSTEMS_LANE[@]}" >"$lane_log" 2>&1 &
    lane_job=$!
    jest --outputFile="$results" --testPathIgnorePatterns "${REAL_SYSTEMS_LANE[@]/%//}" || failed+=(jest)
    wait "$lane_job" || failed+=(jest-real-systems)
    step "tests of the real-systems lane (${REAL_SYSTEMS_LANE[*]})"
    cat "$lane_log"
  else
    cat .stack/test-lane-kafka.out >&2
    echo "npm test: the real-systems lane's broker did not start (above); every suite runs in one lane" >&2
    lane=""
    jest --outputFile="$results" || failed+=(jest)
  fi
else
  step "tests (jest --runInBand $*)"
  jest --outputFile="$results" "$@" || failed+=(jest)
fi
if [[ -s "$results" ]]; then
  # One plain closing line that any CI reads: "jest: N passed, N failed, N skipped".
  node -e '
    const files = process.argv.slice(1).filter((file) => require("fs").existsSync(file));
    const runs = files.map((file) => require(require("path").resolve(file)));
    const sum = (key) => runs.reduce((total, run) => total + run[key], 0);
    const skipped = sum("numPendingTests") + sum("numTodoTests");
    console.log(`jest: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${skipped} skipped`);
  ' "$results" "$lane_results"
fi

if ((${#failed[@]} > 0)); then
  printf '\nnpm test: FAILED (%s)\n' "${failed[*]}" >&2
  exit 1
fi
printf '\nnpm test: OK\n'
