#!/usr/bin/env bash
# Sign-in and /verify throughput of the mock over HTTP, as ratios to the
# RSA-2048 signing rate of the mock's own signer measured in the same run
# (go test -bench BenchmarkSignerParallel), plus the wall time of 100 app
# creations through POST /v1/apps.
#
#   bash bench/identity/run.sh [--spec FILE] [--duration 10s] [--connections 16] [--rounds 3]
#
# Needs: go, wrk (Debian package), curl. Targets: sign-in >= 0.7 x the
# signer (one RSA signature per sign-in), verify >= 5 x sign-in, 100 apps
# in under a second. wrk shares the cores with the mock, so the HTTP ratio
# is a floor; bench_test.go measures the same path without the socket.
# The machine may be shared: each round measures the signer right before
# its HTTP loads and gets its own ratios, so a load change between rounds
# shows as rounds that disagree rather than as a wrong ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."

spec="${HEIMDALL_SPECS_DIR:-../shared/specs}/auth/2026-08-22T0456-6e6447ff.json"
duration=10s
conns=16
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --spec) spec="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) conns="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$spec" ] || { echo "spec $spec not found (set HEIMDALL_SPECS_DIR or --spec)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
export HEIMDALL_SPECS_DIR="$(cd "$(dirname "$spec")/.." && pwd)"

work=$(mktemp -d)
mockpid=
cleanup() { [ -n "$mockpid" ] && kill "$mockpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

users=16
. bench/signin_users.sh
signin_users "$work" "$users"

go build -o "$work/mock" ./cmd/heimdall-mock

# signer -> the Go signer's signatures/s on both cores (the mock is idle
# meanwhile).
go test -c -o "$work/heimdall.test" ./internal/heimdall/
signer() {
  local rate
  rate=$(cd internal/heimdall && "$work/heimdall.test" -test.run '^$' -test.bench 'BenchmarkSignerParallel$' -test.benchtime 3s |
    awk '/BenchmarkSignerParallel/ {for (i = 1; i < NF; i++) if ($(i+1) == "sigs/s") print $i}')
  [ -n "$rate" ] || { echo "the signer benchmark did not run" >&2; exit 1; }
  printf '%-8s %10s sigs/s\n' signer "$rate" >&2
  echo "$rate"
}

"$work/mock" --spec "$spec" --port 4020 --strict --fixtures "$work/fixtures.yaml" --log-format json 2>/dev/null & mockpid=$!
for _ in $(seq 1 300); do curl -fsS -o /dev/null http://127.0.0.1:4020/__mock/health 2>/dev/null && break; sleep 0.05; done
# The key pool fills itself in the background after start; let it finish
# so its RSA key generation is not measured as request cost.
sleep "${POOL_FILL_SECONDS:-8}"
base=http://127.0.0.1:4020

# load NAME URL LUA -> requests/s; fails on any non-2xx answer
load() {
  local out rps
  out=$(wrk -t1 -c"$conns" -d"$duration" --latency -s "$3" "$2")
  if grep -q "Non-2xx" <<<"$out"; then echo "$1: non-2xx answers:" >&2; echo "$out" >&2; exit 1; fi
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  printf '%-8s %10s req/s   p99 %s\n' "$1" "$rps" "$(awk '$1=="99%" {print $2}' <<<"$out")" >&2
  echo "$rps"
}

token=$(curl -fsS -H 'Content-Type: application/json' -d '{"identifier":"bench0","password":"bench-password-0"}' "$base/demo/v1/auth/signin" |
  sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
cat > "$work/verify.lua" <<LUA
wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA

echo "== $rounds rounds: Go signer (3s), then wrk 1 thread / $conns connections / $duration on the strict mock"
for r in $(seq 1 "$rounds"); do
  s=$(signer)
  i=$(load signin "$base/demo/v1/auth/signin" "$work/signin.lua")
  v=$(load verify "$base/demo/v1/verify" "$work/verify.lua")
  echo "round $r $s $i $v" >> "$work/rounds"
done

echo "== 100 app creations, one connection, keys from the pool and its reserve"
args=()
for i in $(seq 1 100); do
  [ "$i" -gt 1 ] && args+=(--next)
  args+=(-sS -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json'
    -H 'Authorization: Bearer pcft_test_mock0000000000000000000000000000'
    -d "{\"slug\":\"bench-app-$i\",\"display_name\":\"Bench $i\",\"workspace_id\":\"00000000-0000-4000-8000-00000000a001\"}" "$base/v1/apps")
done
start=$(date +%s%N)
codes=$(curl "${args[@]}")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
created=$(grep -c '^201$' <<<"$codes" || true)
echo "created $created/100 apps in $ms ms"

echo "== ratios (same run, per round; targets: sign-in/signer >= 0.70, verify/sign-in >= 5)"
awk '{printf "round %s   sign-in / signer %5.2f   verify / sign-in %5.2f\n", $2, $4 / $3, $5 / $4}' "$work/rounds"
echo "100 apps           $ms ms  (target < 1000)"
