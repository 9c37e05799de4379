#!/usr/bin/env bash
# Side-by-side performance of the mock against a bare net/http handler (the
# ceiling, and the hello-world server start-up is compared with), all in
# one run on this machine, so the ratios mean something on a noisy box:
#
#   - start-up to the first served request: hello-world, hello-world with
#     the mock's libraries linked (the floor their initialisers set), the mock on its
#     embedded default, on the newest real spec (also with
#     HEIMDALL_MOCK_PREFAULT=off) and, when HEIMDALL_BIG_SPEC names one, on
#     a large public spec (a few MB);
#   - throughput and p99 at 50 connections: generated routes, and the
#     stateful routes a test suite reads most (GET /v1/apps with a platform
#     token, GET /{app}/v1/me, the JWKS), /verify and sign-in, with Go's
#     RSA-2048 signing rate on both cores as sign-in's ceiling (and the
#     mock's own CPU time over the sign-in load);
#   - unless --no-prism, Stoplight Prism 5.16 on the same generated routes.
#
#   bash bench/mock/run.sh [--spec FILE] [--duration 10s] [--rounds 1] [--no-prism] [--port-base 4010]
#
# Needs: go, wrk (Debian package), curl; node/npm for Prism. Prism is
# installed into a temporary folder and removed afterwards. wrk shares the
# cores with the server under test, for the bare handler as for the mock.
set -euo pipefail
cd "$(dirname "$0")/../.."

spec="${HEIMDALL_SPECS_DIR:-../shared/specs}/auth/2026-08-22T0456-6e6447ff.json"
duration=10s
rounds=1
prism=1
pb=4010 # the servers listen on pb .. pb+89, loopback only
while [ $# -gt 0 ]; do
  case "$1" in
    --spec) spec="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --no-prism) prism=0; shift ;;
    --port-base) pb="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$spec" ] || { echo "spec $spec not found (set HEIMDALL_SPECS_DIR or --spec)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
big="${HEIMDALL_BIG_SPEC:-}"

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/mock" ./cmd/heimdall-mock
go build -o "$work/bare" ./bench/bare
go build -o "$work/linked" ./bench/linked
go build -o "$work/startup" ./bench/startup
go test -c -o "$work/heimdall.test" ./internal/heimdall/

echo "== machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), load $(cut -d' ' -f1-3 /proc/loadavg)"

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
  last_requests=$(awk '/requests in/ {print $1}' <<<"$out")
  echo "$round $name $rps $p99" >> "$work/results"
}

# cpu_ticks PID -> user+system clock ticks the process has used
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

startup() { # NAME URL -- command...
  local name=$1 url=$2; shift 3
  local out
  out=$("$work/startup" -n 15 -url "$url" -- "$@")
  printf '%-28s %s\n' "$name" "$out"
  echo "$name $(sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p' <<<"$out")" >> "$work/startups"
}

echo "== start-up to first served request (median of 15)"
startup hello-world http://127.0.0.1:$((pb+88))/ -- "$work/bare" -addr 127.0.0.1:$((pb+88))
# the floor: hello-world with the mock's libraries linked (their package
# initialisers run before main), so a ratio above 3x can be told apart
startup hello-world-linked http://127.0.0.1:$((pb+87))/ -- "$work/linked" -addr 127.0.0.1:$((pb+87))
startup mock-embedded http://127.0.0.1:$((pb+1))/__mock/health -- "$work/mock" --port $((pb+1)) --log-format json
startup mock-newest http://127.0.0.1:$((pb+1))/__mock/health -- "$work/mock" --spec "$spec" --port $((pb+1)) --log-format json
# what populating memory ahead of the start's page faults is worth here
HEIMDALL_MOCK_PREFAULT=off startup mock-newest-no-prefault http://127.0.0.1:$((pb+1))/__mock/health -- "$work/mock" --spec "$spec" --port $((pb+1)) --log-format json
if [ -n "$big" ] && [ -f "$big" ]; then
  startup "mock-big-$(( $(stat -c %s "$big") / 1024 ))KiB" http://127.0.0.1:$((pb+1))/__mock/health -- "$work/mock" --spec "$big" --no-domain --port $((pb+1)) --log-format json
else
  echo "(no large spec: set HEIMDALL_BIG_SPEC to a multi-MB OpenAPI file to time it)"
fi
if [ "$prism" = 1 ]; then
  echo "== installing Prism 5.16 into a temporary folder"
  npm install --silent --no-audit --no-fund --prefix "$work/prism" @stoplight/prism-cli@5.16 >/dev/null 2>&1
  "$work/startup" -n 5 -timeout 60s -url "http://127.0.0.1:$((pb+2))$get_path" -- "$work/prism/node_modules/.bin/prism" mock -p $((pb+2)) "$spec" | sed 's/^/prism  /'
fi

# Stateful set-up: users to sign in, a platform token, an access token.
users=16
. bench/signin_users.sh
signin_users "$work" "$users"

signer() {
  (cd internal/heimdall && "$work/heimdall.test" -test.run '^$' -test.bench 'BenchmarkSignerParallel$' -test.benchtime 3s) |
    awk '/BenchmarkSignerParallel/ {for (i = 1; i < NF; i++) if ($(i+1) == "sigs/s") print $i}'
}

for round in $(seq 1 "$rounds"); do
  echo "== round $round: throughput, wrk 2 threads / 50 connections / $duration"
  "$work/bare" -addr 127.0.0.1:$((pb+89)) & pids+=($!)
  wait_up http://127.0.0.1:$((pb+89))/
  load bare-handler http://127.0.0.1:$((pb+89))/
  kill "${pids[-1]}"

  "$work/mock" --spec "$spec" --port "$pb" --no-domain --log-format json >/dev/null 2>&1 & mockpid=$!; pids+=("$mockpid")
  wait_up "http://127.0.0.1:$pb/__mock/health"
  load mock-generated-GET "http://127.0.0.1:$pb$get_path"
  load mock-validated-POST "http://127.0.0.1:$pb$post_path" "$work/post.lua"
  echo "mock peak RSS (generated): $(( $(awk '/VmHWM/ {print $2}' "/proc/$mockpid/status") / 1024 )) MB"
  kill $mockpid

  "$work/mock" --spec "$spec" --port $((pb+10)) --strict --fixtures "$work/fixtures.yaml" --log-format json >/dev/null 2>&1 & mockpid=$!; pids+=("$mockpid")
  base=http://127.0.0.1:$((pb+10))
  wait_up "$base/__mock/health"
  platform=$(curl -fsS -H 'Content-Type: application/json' -d '{"type":"platform"}' "$base/__mock/tokens" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  access=$(curl -fsS -H 'Content-Type: application/json' -d '{"identifier":"bench0","password":"bench-password-0"}' "$base/demo/v1/auth/signin" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  [ -n "$platform" ] && [ -n "$access" ] || { echo "could not mint the benchmark tokens" >&2; exit 1; }
  printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$platform" > "$work/platform.lua"
  printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$access" > "$work/access.lua"
  printf 'wrk.method = "POST"\nwrk.body = "{}"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer %s"\n' "$access" > "$work/verify.lua"
  load stateful-apps-platform "$base/v1/apps" "$work/platform.lua"
  load stateful-me "$base/demo/v1/me" "$work/access.lua"
  load stateful-jwks "$base/demo/v1/.well-known/jwks.json"
  load stateful-verify "$base/demo/v1/verify" "$work/verify.lua"
  # The mock's own CPU time over the sign-in load: wrk shares the two
  # cores, so the rate alone understates what a core of the mock signs.
  cpu_before=$(cpu_ticks "$mockpid")
  load stateful-signin "$base/demo/v1/auth/signin" "$work/signin.lua"
  cpu_s=$(awk -v a="$cpu_before" -v b="$(cpu_ticks "$mockpid")" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b-a)/hz}')
  echo "$round signin-cpu-seconds $cpu_s $last_requests" >> "$work/results"
  echo "mock CPU over the sign-in load: $cpu_s s for $last_requests sign-ins"
  echo "mock peak RSS (stateful): $(( $(awk '/VmHWM/ {print $2}' "/proc/$mockpid/status") / 1024 )) MB"
  kill $mockpid

  rate=$(signer)
  [ -n "$rate" ] || { echo "the signer benchmark did not run" >&2; exit 1; }
  printf '%-28s %10s sigs/s (Go RSA-2048, both cores, mock idle)\n' go-signer "$rate"
  echo "$round go-signer $rate 0" >> "$work/results"
done

if [ "$prism" = 1 ]; then
  round=prism
  "$work/prism/node_modules/.bin/prism" mock -p $((pb+2)) "$spec" >/dev/null 2>&1 & ppid=$!; pids+=("$ppid")
  wait_up "http://127.0.0.1:$((pb+2))$get_path"
  load prism-generated-GET "http://127.0.0.1:$((pb+2))$get_path"
  load prism-validated-POST "http://127.0.0.1:$((pb+2))$post_path" "$work/post.lua"
  kill $ppid
fi

echo "== ratios (same run)"
awk '
  {v[$1]=$2}
  END {
    h=v["hello-world"]
    for (k in v) if (k!="hello-world") printf "start-up %-26s %5.1fx hello-world (targets: 3x; a multi-MB spec under 1 s)\n", k, v[k]/h
  }' "$work/startups" | sort
awk -v prism="$prism" '
  $1=="prism" {prs[$2]=$3; prp[$2]=$4; next}
  $2=="signin-cpu-seconds" {cpu[$1]=$3; req[$1]=$4; next}
  {rps[$1" "$2]=$3; p99[$1" "$2]=$4; rounds[$1]=1}
  END {
    for (r in rounds) {
      b=rps[r" bare-handler"]; bp=p99[r" bare-handler"]
      for (k in rps) {
        split(k, f, " "); if (f[1]!=r || f[2]=="bare-handler" || f[2]=="go-signer") continue
        printf "round %s %-24s %5.2fx bare throughput   p99 %5.2fx bare p99\n", r, f[2], rps[k]/b, p99[k]/bp
      }
      printf "round %s verify / sign-in           %5.2fx (target >= 10)\n", r, rps[r" stateful-verify"]/rps[r" stateful-signin"]
      printf "round %s sign-in / Go signer        %5.2fx (target >= 0.85)\n", r, rps[r" stateful-signin"]/rps[r" go-signer"]
      # per core-second: the signer keeps both cores busy, the mock shares them with wrk
      if (cpu[r] > 0) printf "round %s sign-in / Go signer per CPU-second %5.2fx (%d sign-ins in %.2f s of the mock'"'"'s CPU)\n", r, (req[r]/cpu[r])/(rps[r" go-signer"]/2), req[r], cpu[r]
      for (k in prs) printf "round %s %-24s %5.2fx bare throughput   p99 %5.2fx bare p99\n", r, k, prs[k]/b, prp[k]/bp
    }
  }' "$work/results" | sort
echo "(stateful reads target: >= 0.35x bare throughput and p99 <= 3x bare)"
