#!/usr/bin/env bash
# `npm start`: dependencies, local stack (Kafka + PostgreSQL), build, migrations and topics, then every
# service as its own process with one sample deal_won shown end to end. Ctrl-C stops everything.
# KAFKA_BROKERS / DATABASE_URL, when set, point at an existing cluster / database instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The Node.js of .nvmrc (fetched from the npm registry when the machine's own is older).
source scripts/support/node.sh

step() { printf '\n== %s\n' "$*"; }

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  step "npm ci (node_modules missing or older than package-lock.json)"
  npm ci --no-audit --no-fund
fi

step "local stack"
user_database_url="${DATABASE_URL:-}"
bash deploy/stack.sh up
eval "$(bash deploy/stack.sh env)"
export KAFKA_BROKERS
export DATABASE_URL="${user_database_url:-postgres://postgres@127.0.0.1:5432/switchboard}"

if [[ "${SWITCHBOARD_REAL_SYSTEMS:-0}" == 1 ]]; then
  step "real systems: Tryton and Request Tracker (deploy/real-systems.env)"
  bash deploy/real-systems.sh up
  set -a
  # shellcheck disable=SC1091
  source deploy/real-systems.env
  set +a
fi

step "build"
npm run --silent build

step "migrations and topics"
set -a
# shellcheck disable=SC1091
source deploy/local.env
set +a
node dist/scripts/provision-all.js
# The console's own schema (its audit of who did what).
node dist/services/console/src/provision.js

step "services"
exec node dist/scripts/run-local.js
