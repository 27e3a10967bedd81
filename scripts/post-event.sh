#!/usr/bin/env bash
# Signs an ingest body file the way a source system must (docs/integrating.md) and posts it.
#
#   bash scripts/post-event.sh <source> <file.json> [base-url]
#
#   source     crm | erp | finance | support | marketing | ecommerce
#   file.json  the request body: {"id": "...", "type": "deal_won", "time"?: "...", "data": {...}}
#   base-url   default $INGEST_URL, else http://127.0.0.1:3000 (`npm start`)
#
# The secret is the source's entry in $INGEST_SOURCE_SECRETS (source=secret,...) or, when that is unset,
# in deploy/local.env (development secrets only). Set TRACEPARENT to send a W3C traceparent header.
# Prints the HTTP status and the response body; exits 0 for a 2xx answer, 1 otherwise, 2 on usage errors.
set -euo pipefail

usage() {
  sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

[[ $# -ge 2 && $# -le 3 ]] || usage
source_system="$1"
file="$2"
base_url="${3:-${INGEST_URL:-http://127.0.0.1:3000}}"
base_url="${base_url%/}"

[[ -f "$file" && -r "$file" ]] || {
  echo "post-event: cannot read body file: $file" >&2
  exit 2
}

secrets="${INGEST_SOURCE_SECRETS:-}"
if [[ -z "$secrets" ]]; then
  env_file="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/deploy/local.env"
  [[ -f "$env_file" ]] && secrets="$(sed -n 's/^INGEST_SOURCE_SECRETS=//p' "$env_file" | tail -n1)"
fi
secret=""
IFS=',' read -r -a pairs <<<"$secrets,"
for pair in "${pairs[@]}"; do
  if [[ "${pair%%=*}" == "$source_system" ]]; then
    secret="${pair#*=}"
  fi
done
[[ -n "$secret" ]] || {
  echo "post-event: no secret for source \"$source_system\" in INGEST_SOURCE_SECRETS or deploy/local.env" >&2
  exit 2
}

# The signature covers the exact bytes sent, so curl sends the file unchanged (--data-binary).
timestamp="$(date +%s)"
signature="$({ printf '%s.' "$timestamp"; cat "$file"; } | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')"

headers=(
  -H 'Content-Type: application/json'
  -H "X-Switchboard-Source: $source_system"
  -H "X-Switchboard-Timestamp: $timestamp"
  -H "X-Switchboard-Signature: v1=$signature"
)
[[ -n "${TRACEPARENT:-}" ]] && headers+=(-H "traceparent: $TRACEPARENT")

response="$(mktemp)"
trap 'rm -f "$response"' EXIT
if ! status="$(curl -sS -o "$response" -w '%{http_code}' -X POST "${headers[@]}" --data-binary "@$file" "$base_url/v1/events")"; then
  echo "post-event: no answer from $base_url (is ingest running? \`npm start\`)" >&2
  exit 1
fi
echo "HTTP $status"
cat "$response"
echo
[[ "$status" == 2* ]]
