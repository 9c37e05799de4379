# Shared by the end-to-end runners under testdata/: build the mock from this
# repository, start it in strict mode on a free port, stop it on exit.
# Source it from a run.sh after `cd` into the test's folder:
#
#   . ../lib/mock-harness.sh
#   harness_init sdk-e2e            # name used in messages; checks go/node/npm
#   npm ci --no-audit --no-fund </dev/null
#   build_mock
#   start_mock [extra mock flags]   # sets mock_url
#   ... MOCK_URL="$mock_url" node --test ...
#   fail_with_mock_log "$status"    # on failure, the end of the mock's log

harness_init() {
  harness_name=$1
  here=$PWD
  root=$(cd ../.. && pwd)
  for tool in go node npm; do
    command -v "$tool" >/dev/null || { echo "$harness_name: $tool is required" >&2; exit 1; }
  done
  tmp=$(mktemp -d)
  mock_pid=""
  trap harness_cleanup EXIT
}

harness_cleanup() {
  if [ -n "$mock_pid" ]; then
    kill "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}

build_mock() {
  echo "$harness_name: building the mock"
  (cd "$root" && go build -o "$tmp/mock" ./cmd/heimdall-mock)
}

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

start_mock() {
  mock_url=""
  local attempt port
  for attempt in 1 2 3; do
    port=$(free_port)
    "$tmp/mock" --strict --port "$port" "$@" >"$tmp/mock.log" 2>&1 </dev/null &
    mock_pid=$!
    if wait_healthy "http://127.0.0.1:$port" "$mock_pid"; then
      mock_url="http://127.0.0.1:$port"
      return 0
    fi
    kill "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
    mock_pid=""
    echo "$harness_name: the mock did not come up on port $port (attempt $attempt):" >&2
    tail -n 20 "$tmp/mock.log" >&2
  done
  echo "$harness_name: could not start the mock" >&2
  exit 1
}

fail_with_mock_log() {
  if [ "$1" -ne 0 ]; then
    echo "$harness_name: failed (node exit $1); the mock's log ends:" >&2
    tail -n 40 "$tmp/mock.log" >&2
  fi
}
