#!/usr/bin/env bash
# Refresh the live Heimdall spec and check it: diff it against the last
# accepted copy, replay the scenarios on the mock built from it, and keep it
# as the new accepted copy when nothing unaccepted breaks.
#
#   bash scripts/spec-refresh.sh
#
# The nightly workflow runs exactly this; run it locally the same way.
#
# Environment:
#   SPEC_URL      where to fetch the spec (default: the live service)
#   SPEC_WORKDIR  where the accepted copy, the fresh copy and the reports
#                 live; outside the repository, so the live spec is never
#                 committed (default: $RUNNER_TEMP/spec-refresh on CI, else
#                 ${TMPDIR:-/tmp}/heimdall-spec-refresh)
#   GITHUB_STEP_SUMMARY, GITHUB_ACTIONS  set by CI: the markdown reports go
#                 to the job summary and the findings become annotations
#
# Exit codes: 0 no unaccepted break and every scenario passes, 1 otherwise,
# 2 the spec could not be fetched or read.
set -uo pipefail
cd "$(dirname "$0")/.."

SPEC_URL="${SPEC_URL:-https://api.auth.productcraft.co/docs-json}"
if [ -n "${RUNNER_TEMP:-}" ]; then
  work="${SPEC_WORKDIR:-$RUNNER_TEMP/spec-refresh}"
else
  work="${SPEC_WORKDIR:-${TMPDIR:-/tmp}/heimdall-spec-refresh}"
fi
mkdir -p "$work"
accepted="$work/accepted.json"
fresh="$work/live.json"
accept_file="contract-accept.yaml"
scenarios="testdata/scenarios"

go build -o "$work/contract" ./cmd/contract || exit 2
contract="$work/contract"

summary() { if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$@" >>"$GITHUB_STEP_SUMMARY"; fi; }

# refresh diffs against what --to held: start from the accepted copy.
rm -f "$fresh"
if [ -f "$accepted" ]; then
  cp "$accepted" "$fresh"
else
  echo "no accepted copy in $work yet: this run's spec becomes the first one"
fi

echo "== refresh from $SPEC_URL"
"$contract" refresh --from "$SPEC_URL" --to "$fresh" --accept "$accept_file" \
  --scenarios "$scenarios" --format markdown >"$work/diff.md"
diff_rc=$?
[ "$diff_rc" -ge 2 ] && exit 2
cat "$work/diff.md"
summary "$work/diff.md"
if [ "${GITHUB_ACTIONS:-}" = "true" ] && [ -f "$accepted" ]; then
  "$contract" diff "$accepted" "$fresh" --accept "$accept_file" --scenarios "$scenarios" --format githubactions
fi

echo "== replay $scenarios on the mock built from the fresh spec"
"$contract" replay --mock --spec "$fresh" --format markdown --out "$work/replay.md" "$scenarios"
replay_rc=$?
cat "$work/replay.md"
summary "$work/replay.md"

if [ "$diff_rc" -eq 0 ] && [ "$replay_rc" -eq 0 ]; then
  cp "$fresh" "$accepted"
  echo "accepted: $accepted"
  exit 0
fi
echo "not accepted: diff exit $diff_rc, replay exit $replay_rc (list reviewed breaks in $accept_file)" >&2
[ "$replay_rc" -ge 2 ] && exit 2
exit 1
