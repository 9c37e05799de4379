#!/usr/bin/env bash
# Replay throughput of `contract replay --mock` on testdata/scenarios: the
# Go benchmark (steady state, steps/s; target >= 2000) and the command as a
# user runs it once (wall time per run, median of RUNS, start-up included).
#
#   bench/replay/run.sh           # RUNS=9 by default
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
runs=${RUNS:-9}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== go test -bench BenchmarkReplayMock"
go test -run '^$' -bench '^BenchmarkReplayMock$' -benchtime 50x ./cmd/heimdall-contract | grep -E '^Benchmark|steps/s'

echo "== contract replay --mock testdata/scenarios, $runs runs"
go build -o "$tmp/contract" ./cmd/heimdall-contract
times=()
for _ in $(seq "$runs"); do
	start=$(date +%s%N)
	"$tmp/contract" replay --mock --format json --out "$tmp/report.json" testdata/scenarios 2>"$tmp/summary"
	times+=($(( ($(date +%s%N) - start) / 1000000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
echo "median ${median} ms per run (start-up and spec load included); the last run's replay:"
sed 's/; report in.*//' "$tmp/summary"
