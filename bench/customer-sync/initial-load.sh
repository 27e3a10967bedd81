#!/usr/bin/env bash
# On-demand benchmark of the customer-sync initial load: N customers (default 1,000,000) from an
# NDJSON export into the canonical store, then time, rate and peak memory.
#   bash bench/customer-sync/initial-load.sh [count] [--publish]
# Uses its own database (switchboard_bench_sync, dropped and recreated) unless DATABASE_URL is set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

count="${1:-1000000}"
publish="--no-publish"
[[ "${2:-}" == "--publish" ]] && publish=""
base_url="postgres://postgres@127.0.0.1:5432"
if [[ -z "${DATABASE_URL:-}" ]]; then
  psql "$base_url/postgres" -qc 'DROP DATABASE IF EXISTS switchboard_bench_sync' -c 'CREATE DATABASE switchboard_bench_sync'
  export DATABASE_URL="$base_url/switchboard_bench_sync"
fi
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}" PROVISION_TOPICS="${PROVISION_TOPICS:-false}"
[[ -f dist/services/customer-sync/src/initial-load/initial-load.cli.js ]] || npm run --silent build
node dist/services/customer-sync/src/provision.js >/dev/null

file="$(mktemp -d)/customers-$count.ndjson"
echo "generating $count customers into $file"
node -e '
const fs = require("fs");
const [file, count] = [process.argv[1], Number(process.argv[2])];
const out = fs.openSync(file, "w");
const prefix = "B" + Date.now().toString(36);
let chunk = "";
for (let i = 0; i < count; i++) {
  chunk += JSON.stringify({
    externalId: `${prefix}-${i}`,
    changedAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
    fields: {
      name: `Kunde ${i} Müller & Søn GmbH`, email: `billing.${i}@${prefix}.example`, vatNumber: `DE${prefix}${i}`,
      phone: `+49 89 ${String(i).padStart(7, "0")}`, paymentTerms: i % 2 ? "NET30" : "NET60",
      billingAddress: { line1: `Hauptstraße ${i % 200}`, city: "München", postalCode: "80331", country: "DE" },
    },
  }) + "\n";
  if (chunk.length > 1 << 22) { fs.writeSync(out, chunk); chunk = ""; }
}
fs.writeSync(out, chunk); fs.closeSync(out);
' "$file" "$count"
ls -lh "$file" | awk '{print "file size: " $5}'

report="$(mktemp)"
# The load runs as it runs in production (scripts/service-runtime.ts); INITIAL_LOAD_NODE_OPTIONS overrides.
load_node_options="${INITIAL_LOAD_NODE_OPTIONS:-$(node -p "require('./dist/scripts/service-runtime.js').INITIAL_LOAD_NODE_OPTIONS")}"
echo "node options of the load: $load_node_options"
NODE_OPTIONS="$load_node_options" /usr/bin/time -v node dist/services/customer-sync/src/initial-load/initial-load.cli.js "$file" $publish \
  --report-file "$report" 2> >(tee /dev/stderr | grep -E 'Maximum resident|Elapsed' >&2) >/dev/null
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(`\ninitial load of ${r.records} customers: ${(r.durationMs / 1000).toFixed(1)} s, ${r.recordsPerSecond} records/s, peak RSS ${r.peakRssMb} MB`);
console.log(JSON.stringify(r.counts));
' "$report"
rm -f "$file"
