#!/usr/bin/env bash
# Runs cors.test.mjs: CORS from another origin against a freshly built mock
# (strict mode) in headless Chromium. Exits with node's status.
#   bash testdata/browser-cors/run.sh
# Needs go, node, npm and Chromium at $CHROMIUM (default /usr/bin/chromium;
# on Debian: apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")"
. ../lib/mock-harness.sh
harness_init browser-cors
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || { echo "browser-cors: no Chromium at $CHROMIUM (apt-get install -y chromium)" >&2; exit 1; }

echo "browser-cors: npm ci"
npm ci --no-audit --no-fund </dev/null
build_mock
start_mock
echo "browser-cors: mock on $mock_url"

set +e
MOCK_URL="$mock_url" node --test --test-reporter=spec "$here/cors.test.mjs" </dev/null
status=$?
set -e
fail_with_mock_log "$status"
exit "$status"
