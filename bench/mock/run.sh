#!/usr/bin/env bash
# Side-by-side performance of the mock, a bare net/http handler (the
# ceiling) and, unless --no-prism, Stoplight Prism 5.16 — all in one run on
# this machine, so the ratios mean something on a noisy box.
#
#   bash bench/mock/run.sh [--spec FILE] [--duration 15s] [--no-prism]
#
# Needs: go, wrk (Debian package), curl; node/npm for Prism. Prism is
# installed into a temporary folder and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."

spec="${HEIMDALL_SPECS_DIR:-../shared/specs}/auth/2026-08-22T0456-6e6447ff.json"
duration=15s
prism=1
while [ $# -gt 0 ]; do
  case "$1" in
    --spec) spec="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --no-prism) prism=0; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$spec" ] || { echo "spec $spec not found (set HEIMDALL_SPECS_DIR or --spec)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/mock" ./cmd/mock
go build -o "$work/bare" ./bench/bare
go build -o "$work/startup" ./bench/startup

get_path=/v1/apps/3f1c8a52-6a0e-4c55-9d4f-0b8e7c1d2a90/roles
post_path=/demo/v1/auth/signin
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"identifier":"alice@example.com","password":"correct horse battery"}'
LUA

wait_up() { for _ in $(seq 1 300); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.05; done; echo "no answer from $1" >&2; return 1; }

# load NAME URL [LUA] -> prints "NAME rps p99_ms"
load() {
  local name=$1 url=$2 script=${3:-}
  local out
  if [ -n "$script" ]; then out=$(wrk -t2 -c50 -d"$duration" --latency -s "$script" "$url")
  else out=$(wrk -t2 -c50 -d"$duration" --latency "$url"); fi
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' <<<"$out")
  local non2xx
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-28s %10s req/s   p99 %8s ms   non-2xx %s\n' "$name" "$rps" "$p99" "${non2xx:-0}"
  echo "$name $rps $p99" >> "$work/results"
}

rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

echo "== start-up to first served request (median of 15), spec $(basename "$spec")"
"$work/startup" -n 15 -url "http://127.0.0.1:4011/__mock/health" -- "$work/mock" --spec "$spec" --port 4011 --log-format json | sed 's/^/mock   /'
if [ "$prism" = 1 ]; then
  echo "== installing Prism 5.16 into a temporary folder"
  npm install --silent --no-audit --no-fund --prefix "$work/prism" @stoplight/prism-cli@5.16 >/dev/null 2>&1
  "$work/startup" -n 5 -timeout 60s -url "http://127.0.0.1:4012$get_path" -- "$work/prism/node_modules/.bin/prism" mock -p 4012 "$spec" | sed 's/^/prism  /'
fi

echo "== throughput, wrk 2 threads / 50 connections / $duration"
"$work/bare" -addr 127.0.0.1:4099 & pids+=($!)
wait_up http://127.0.0.1:4099/
load bare-handler http://127.0.0.1:4099/
kill "${pids[-1]}"

"$work/mock" --spec "$spec" --port 4010 --no-domain --log-format json 2>/dev/null & mockpid=$!; pids+=($mockpid)
wait_up http://127.0.0.1:4010/__mock/health
load mock-generated-GET "http://127.0.0.1:4010$get_path"
load mock-validated-POST "http://127.0.0.1:4010$post_path" "$work/post.lua"
echo "mock peak RSS: $(( $(rss_kb $mockpid) / 1024 )) MB"
kill $mockpid

if [ "$prism" = 1 ]; then
  "$work/prism/node_modules/.bin/prism" mock -p 4012 "$spec" >/dev/null 2>&1 & ppid=$!; pids+=($ppid)
  wait_up "http://127.0.0.1:4012$get_path"
  load prism-generated-GET "http://127.0.0.1:4012$get_path"
  load prism-validated-POST "http://127.0.0.1:4012$post_path" "$work/post.lua"
  echo "prism peak RSS: $(( $(ps -o rss= -p $ppid) / 1024 )) MB (current)"
  kill $ppid
fi

echo "== ratios (same run)"
awk '
  {rps[$1]=$2; p99[$1]=$3}
  END {
    b=rps["bare-handler"]; bp=p99["bare-handler"]
    for (k in rps) if (k!="bare-handler") printf "%-28s %5.2fx bare throughput   p99 %5.2fx bare p99\n", k, rps[k]/b, p99[k]/bp
  }' "$work/results" | sort
