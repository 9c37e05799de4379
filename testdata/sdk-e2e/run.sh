#!/usr/bin/env bash
# Runs e2e.test.mjs, the published Node SDKs against a freshly built mock in
# strict mode. Exits with node's status.
#   bash testdata/sdk-e2e/run.sh
#   MOCK_SPEC=path/to/spec.json bash testdata/sdk-e2e/run.sh   # another spec
set -euo pipefail
cd "$(dirname "$0")"
. ../lib/mock-harness.sh
harness_init sdk-e2e

echo "sdk-e2e: npm ci"
npm ci --no-audit --no-fund </dev/null
build_mock
start_mock ${MOCK_SPEC:+--spec "$MOCK_SPEC"}
echo "sdk-e2e: mock on $mock_url"

# The rotation test moves Date with node's MockTimers, still flagged
# experimental; its warning says nothing about the mock.
node_flags=(--test --test-reporter=tap)
if node --disable-warning=ExperimentalWarning -e 0 2>/dev/null; then
  node_flags=(--disable-warning=ExperimentalWarning "${node_flags[@]}")
fi

set +e
MOCK_URL="$mock_url" node "${node_flags[@]}" "$here/e2e.test.mjs" </dev/null | tee "$tmp/node.out"
status=${PIPESTATUS[0]}
set -e

echo "sdk-e2e: summary"
grep -E '^# (tests|pass|fail|cancelled|skipped|todo) ' "$tmp/node.out" || echo "sdk-e2e: node printed no summary"
fail_with_mock_log "$status"
exit "$status"
