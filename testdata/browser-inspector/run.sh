#!/usr/bin/env bash
# Runs inspector.test.mjs: the inspector page of a freshly built mock
# (strict mode) in headless Chromium. Screenshots land in $ARTIFACTS_DIR
# (default: artifacts/ here). Exits with node's status.
#   bash testdata/browser-inspector/run.sh
# Needs go, node, npm and Chromium at $CHROMIUM (default /usr/bin/chromium;
# on Debian: apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")"
. ../lib/mock-harness.sh
harness_init browser-inspector
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export ARTIFACTS_DIR="${ARTIFACTS_DIR:-$here/artifacts}"
[ -x "$CHROMIUM" ] || { echo "browser-inspector: no Chromium at $CHROMIUM (apt-get install -y chromium)" >&2; exit 1; }

echo "browser-inspector: npm ci"
npm ci --no-audit --no-fund </dev/null
build_mock
start_mock
echo "browser-inspector: mock on $mock_url, screenshots in $ARTIFACTS_DIR"

set +e
MOCK_URL="$mock_url" node --test --test-reporter=spec "$here/inspector.test.mjs" </dev/null
status=$?
set -e
fail_with_mock_log "$status"
exit "$status"
