#!/usr/bin/env bash
# Screenshot of a trace in the local Zipkin UI, taken by headless Chromium (Debian's `chromium`).
#
#   bash scripts/screenshot-trace.sh <trace id> [out.png]     default out: docs/img/trace.png
#
# Get a trace id from `npm start` ("trace of the sample deal: ...") or from ingest's `traceresponse`
# header. Needs Zipkin up (deploy/stack.sh up) and chromium (apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

trace_id="${1:?usage: bash scripts/screenshot-trace.sh <trace id> [out.png]}"
out="${2:-docs/img/trace.png}"
zipkin="${ZIPKIN_URL:-http://127.0.0.1:9411}"
browser="$(command -v chromium || command -v chromium-browser || true)"
[[ -n "$browser" ]] || {
  echo "screenshot-trace: chromium not found (apt-get install -y chromium)" >&2
  exit 1
}
curl -fsS "$zipkin/api/v2/trace/$trace_id" >/dev/null || {
  echo "screenshot-trace: Zipkin at $zipkin has no trace $trace_id" >&2
  exit 1
}
mkdir -p "$(dirname "$out")"
# The UI is a single-page app: the virtual time budget lets it fetch and render the trace first.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1600,1400 \
  --virtual-time-budget=15000 --screenshot="$(realpath -m "$out")" \
  "$zipkin/zipkin/traces/$trace_id" 2>/dev/null
echo "screenshot-trace: wrote $out"
