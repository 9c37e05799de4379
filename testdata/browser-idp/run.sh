#!/usr/bin/env bash
# Runs idp.test.mjs: the federated web sign-in of a freshly built mock
# (strict mode) in headless Chromium. Screenshots land in $ARTIFACTS_DIR
# (default: artifacts/ here). Exits with node's status.
#   bash testdata/browser-idp/run.sh
# Needs go, node, npm and Chromium at $CHROMIUM (default /usr/bin/chromium;
# on Debian: apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")"
. ../lib/mock-harness.sh
harness_init browser-idp
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export ARTIFACTS_DIR="${ARTIFACTS_DIR:-$here/artifacts}"
[ -x "$CHROMIUM" ] || { echo "browser-idp: no Chromium at $CHROMIUM (apt-get install -y chromium)" >&2; exit 1; }

echo "browser-idp: npm ci"
npm ci --no-audit --no-fund </dev/null
build_mock
start_mock
echo "browser-idp: mock on $mock_url, screenshots in $ARTIFACTS_DIR"

set +e
MOCK_URL="$mock_url" node --test --test-reporter=spec "$here/idp.test.mjs" </dev/null
status=$?
set -e
fail_with_mock_log "$status"
exit "$status"
