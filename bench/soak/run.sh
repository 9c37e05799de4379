#!/usr/bin/env bash
# Ten minutes of mixed traffic against a freshly built mock on loopback,
# with its RSS sampled every 10 s; prints the ceiling beside the caps.
#
#   bash bench/soak/run.sh [--duration 10m] [--port 4290] [mock flags...]
#
# Needs go. Linux only (reads /proc for RSS).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=10m
port=4290
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    *) break ;;
  esac
done
work=$(mktemp -d)
mock_pid=""
cleanup() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/mock" ./cmd/heimdall-mock
go build -o "$work/soak" ./bench/soak
"$work/mock" --port "$port" --state-file "$work/state.json" "$@" >"$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/__mock/health" >/dev/null 2>&1 && break; sleep 0.2; done
echo "soak: mock pid $mock_pid on 127.0.0.1:$port for $duration; caps: $("$work/mock" --help 2>&1 | grep -E -- '-(max-|journal-size)' | tr -s ' ' | tr '\n' ' ')"
"$work/soak" --url "http://127.0.0.1:$port" --pid "$mock_pid" --duration "$duration"
