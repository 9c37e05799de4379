#!/usr/bin/env bash
# Times `contract diff` against `oasdiff breaking` (v1.37.x) on every
# consecutive pair of the real Heimdall specs and, when
# $HEIMDALL_DIFF_CORPUS holds the public corpus (bench/diff/corpus.sh), of
# every corpus set: wall time and peak RSS per run, median of RUNS runs, and
# the ratios. Target: ours at least 2x faster and lighter on every pair.
#
#   bench/diff/run.sh            # specs from $HEIMDALL_SPECS_DIR or ../shared/specs
#   RUNS=15 bench/diff/run.sh   # more runs, steadier medians (default 9)
#   HEIMDALL_DIFF_CORPUS=/tmp/diffcorpus bench/diff/run.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
specs_dir=${HEIMDALL_SPECS_DIR:-$root/../shared/specs}
runs=${RUNS:-9}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x /usr/bin/time ]; then
	echo "installing GNU time" >&2
	if [ "$(id -u)" = 0 ]; then apt-get install -y -qq time >/dev/null; else sudo apt-get install -y -qq time >/dev/null; fi
fi

# pairs: "old new" lines, consecutive versions of each set.
pairs=()
add_set() {
	local files=("$@") i
	for ((i = 0; i + 1 < ${#files[@]}; i++)); do
		pairs+=("${files[i]} ${files[i + 1]}")
	done
}
if compgen -G "$specs_dir/auth/*.json" >/dev/null; then
	mapfile -t specs < <(ls "$specs_dir"/auth/*.json | sort)
	add_set "${specs[@]}"
fi
if [ -n "${HEIMDALL_DIFF_CORPUS:-}" ]; then
	for set in "$HEIMDALL_DIFF_CORPUS"/*/; do
		mapfile -t specs < <(ls "$set"* | sort)
		add_set "${specs[@]}"
	done
fi
if [ "${#pairs[@]}" -eq 0 ]; then
	echo "no spec pairs: need $specs_dir/auth or HEIMDALL_DIFF_CORPUS" >&2
	exit 2
fi

# The newest 1.37.x release of oasdiff, into a throwaway GOBIN.
version=$(cd "$tmp" && go list -m -versions github.com/oasdiff/oasdiff | tr ' ' '\n' | grep -E '^v1\.37\.[0-9]+$' | sort -V | tail -1)
if [ -z "$version" ]; then
	echo "no oasdiff v1.37.x release found" >&2
	exit 2
fi
echo "installing oasdiff $version" >&2
GOBIN="$tmp/bin" go install "github.com/oasdiff/oasdiff@$version"
(cd "$root" && go build -o "$tmp/bin/contract" ./cmd/heimdall-contract)

# measure CMD...: prints "wall_ms rss_kb" for one run. Peak RSS comes from
# `time -v`; wall time from the shell's microsecond clock, since time's own
# has only 10 ms resolution. Exit 1 means "found breaking changes" for
# contract, so only 2+ is a failure.
measure() {
	local status=0 start end
	start=$EPOCHREALTIME
	/usr/bin/time -v -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
	end=$EPOCHREALTIME
	if [ "$status" -ge 2 ]; then
		echo "failed ($status): $*" >&2
		cat "$tmp/err" >&2
		exit 2
	fi
	awk -F': ' -v start="$start" -v end="$end" '
		/Maximum resident set size/ { rss = $2 }
		END { printf "%.1f %d\n", (end - start) * 1000, rss }' "$tmp/time"
}

# median PAIR_OLD PAIR_NEW: runs oasdiff and contract alternately $runs
# times (so a burst of load on a shared machine hits both alike) and prints
# the median wall ms and median peak RSS KB of each:
# "oasdiff_ms oasdiff_kb contract_ms contract_kb".
median() {
	local ow=() orss=() cw=() crss=() w r
	for _ in $(seq "$runs"); do
		read -r w r < <(measure "$tmp/bin/oasdiff" breaking "$1" "$2")
		ow+=("$w")
		orss+=("$r")
		read -r w r < <(measure "$tmp/bin/contract" diff "$1" "$2")
		cw+=("$w")
		crss+=("$r")
	done
	local mid=$((runs / 2 + 1))
	pick() { printf '%s\n' "$@" | sort -g | sed -n "${mid}p"; }
	echo "$(pick "${ow[@]}") $(pick "${orss[@]}") $(pick "${cw[@]}") $(pick "${crss[@]}")"
}

printf '%-44s %10s %10s %7s %12s %12s %7s\n' "pair (old → new)" "oasdiff ms" "ours ms" "speedup" "oasdiff MB" "ours MB" "mem x"
for pair in "${pairs[@]}"; do
	read -r old new <<<"$pair"
	read -r ow orss cw crss < <(median "$old" "$new")
	label="$(basename "$(dirname "$old")" | cut -c1-11)/$(basename "$old" | cut -c1-15) → $(basename "$new" | cut -c1-15)"
	awk -v l="$label" -v ow="$ow" -v cw="$cw" -v orss="$orss" -v crss="$crss" 'BEGIN {
		cwd = (cw > 0) ? cw : 1
		printf "%-44s %10.1f %10.1f %6.1fx %12.1f %12.1f %6.1fx\n", l, ow, cw, ow / cwd, orss / 1024, crss / 1024, orss / crss
	}'
done
echo "(median of $runs runs each; wall time includes process start)"
