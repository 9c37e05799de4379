#!/usr/bin/env bash
# Runs e2e.test.mjs, the published Node SDKs against a freshly built mock in
# strict mode. Exits with node's status.
#   bash testdata/sdk-e2e/run.sh
#   MOCK_SPEC=path/to/spec.json bash testdata/sdk-e2e/run.sh   # another spec
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD
root=$(cd ../.. && pwd)

for tool in go node npm; do
  command -v "$tool" >/dev/null || { echo "sdk-e2e: $tool is required" >&2; exit 1; }
done

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

echo "sdk-e2e: npm ci"
npm ci --no-audit --no-fund </dev/null

echo "sdk-e2e: building the mock"
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
  "$tmp/mock" --strict --port "$port" ${MOCK_SPEC:+--spec "$MOCK_SPEC"} >"$tmp/mock.log" 2>&1 </dev/null &
  mock_pid=$!
  if wait_healthy "http://127.0.0.1:$port" "$mock_pid"; then
    mock_url="http://127.0.0.1:$port"
    break
  fi
  kill "$mock_pid" 2>/dev/null || true
  wait "$mock_pid" 2>/dev/null || true
  mock_pid=""
  echo "sdk-e2e: the mock did not come up on port $port (attempt $attempt):" >&2
  tail -n 20 "$tmp/mock.log" >&2
done
[ -n "$mock_url" ] || { echo "sdk-e2e: could not start the mock" >&2; exit 1; }
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
if [ "$status" -ne 0 ]; then
  echo "sdk-e2e: failed (node exit $status); the mock's log ends:" >&2
  tail -n 40 "$tmp/mock.log" >&2
fi
exit "$status"
