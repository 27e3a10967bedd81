#!/usr/bin/env bash
# Jest on the pinned Node.js. The Kafka client is an ES module, which Jest's CommonJS sandbox can
# require only with Node's vm modules enabled (the services themselves load it with plain require).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/support/node.sh
exec node --experimental-vm-modules --disable-warning=ExperimentalWarning node_modules/jest/bin/jest.js "$@"
