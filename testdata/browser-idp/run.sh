#!/usr/bin/env bash
# Runs idp.test.mjs: the federated web sign-in of a freshly built mock
# (strict mode) in headless Chromium. Screenshots land in $ARTIFACTS_DIR
# (default: artifacts/ here). Exits with node's status.
#   bash testdata/browser-idp/run.sh
# Needs go, node, npm and Chromium at $CHROMIUM (default /usr/bin/chromium;
# on Debian: apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD
root=$(cd ../.. && pwd)
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export ARTIFACTS_DIR="${ARTIFACTS_DIR:-$here/artifacts}"

for tool in go node npm; do
  command -v "$tool" >/dev/null || { echo "browser-idp: $tool is required" >&2; exit 1; }
done
[ -x "$CHROMIUM" ] || { echo "browser-idp: no Chromium at $CHROMIUM (apt-get install -y chromium)" >&2; exit 1; }

tmp=$(mktemp -d)
mock_pid=""
cleanup() {
  if [ -n "$mock_pid" ]; then
    kill "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "browser-idp: npm ci"
npm ci --no-audit --no-fund </dev/null

echo "browser-idp: building the mock"
(cd "$root" && go build -o "$tmp/mock" ./cmd/mock)

# A free port from the kernel; another process could take it before the mock
# binds, so a start that fails is retried on a new port.
free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Polls /__mock/health until it answers 200, the mock exits or 15 s pass.
wait_healthy() {
  node -e '
    const [url, pid] = process.argv.slice(1);
    const deadline = Date.now() + 15000;
    const alive = () => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
    (async () => {
      while (Date.now() < deadline && alive()) {
        try { if ((await fetch(url + "/__mock/health")).ok) process.exit(0); } catch {}
        await new Promise((r) => setTimeout(r, 100));
      }
      process.exit(1);
    })();' "$1" "$2"
}

mock_url=""
for attempt in 1 2 3; do
  port=$(free_port)
  "$tmp/mock" --strict --port "$port" >"$tmp/mock.log" 2>&1 </dev/null &
  mock_pid=$!
  if wait_healthy "http://127.0.0.1:$port" "$mock_pid"; then
    mock_url="http://127.0.0.1:$port"
    break
  fi
  kill "$mock_pid" 2>/dev/null || true
  wait "$mock_pid" 2>/dev/null || true
  mock_pid=""
  echo "browser-idp: the mock did not come up on port $port (attempt $attempt):" >&2
  tail -n 20 "$tmp/mock.log" >&2
done
[ -n "$mock_url" ] || { echo "browser-idp: could not start the mock" >&2; exit 1; }
echo "browser-idp: mock on $mock_url, screenshots in $ARTIFACTS_DIR"

set +e
MOCK_URL="$mock_url" node --test --test-reporter=spec "$here/idp.test.mjs" </dev/null
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "browser-idp: failed (node exit $status); the mock's log ends:" >&2
  tail -n 40 "$tmp/mock.log" >&2
fi
exit "$status"
