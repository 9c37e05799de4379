#!/usr/bin/env bash
# Builds the diff corpus: the public OpenAPI documents listed in
# bench/diff/corpus.txt, extracted with `git show REV:PATH` into
# $HEIMDALL_DIFF_CORPUS/<set>/<NN>-<rev>.<ext>. They are test data, never
# committed. Needs network access to clone the repositories, unless
# CORPUS_GIT_DIRS names a folder holding them already, one git directory per
# repository at <owner>+<repo> or <owner>+<repo>/repo.
#
#   HEIMDALL_DIFF_CORPUS=/tmp/diffcorpus bench/diff/corpus.sh
#   HEIMDALL_DIFF_CORPUS=/tmp/diffcorpus go test ./internal/diff -run Corpus
#   HEIMDALL_DIFF_CORPUS=/tmp/diffcorpus bench/diff/run.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${HEIMDALL_DIFF_CORPUS:?set HEIMDALL_DIFF_CORPUS to the folder to fill}
clones=${CORPUS_CLONES:-${TMPDIR:-/tmp}/heimdall-corpus-clones}
mkdir -p "$out" "$clones"

gitdir() { # owner/repo -> a git directory holding its history
	local key=${1/\//+}
	if [ -n "${CORPUS_GIT_DIRS:-}" ]; then
		for d in "$CORPUS_GIT_DIRS/$key/repo" "$CORPUS_GIT_DIRS/$key"; do
			if git --git-dir="$d" rev-parse -q --verify HEAD >/dev/null 2>&1; then
				echo "$d"
				return
			fi
		done
	fi
	if [ ! -d "$clones/$key" ]; then
		echo "cloning $1" >&2
		git clone -q --bare --filter=blob:none "https://github.com/$1" "$clones/$key"
	fi
	echo "$clones/$key"
}

grep -vE '^\s*(#|$)' "$root/bench/diff/corpus.txt" | while read -r set repo rev path; do
	mkdir -p "$out/$set"
	if compgen -G "$out/$set/*-$rev.*" >/dev/null; then
		continue
	fi
	n=$(($(find "$out/$set" -type f | wc -l) + 1))
	file=$(printf '%s/%s/%02d-%s.%s' "$out" "$set" "$n" "$rev" "${path##*.}")
	git --git-dir="$(gitdir "$repo")" show "$rev:$path" >"$file"
	echo "$file ($(wc -c <"$file") bytes)"
done
