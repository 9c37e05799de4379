#!/usr/bin/env bash
# Refresh the live Heimdall spec and check it: diff it against the accepted
# copy kept in the repository, replay the scenarios on the mock built from
# it, and write it over the accepted copy so a pull request can propose it.
#
#   bash scripts/spec-refresh.sh
#
# The nightly workflow runs exactly this and opens (or updates) the pull
# request; run it locally the same way and look at `git diff`.
#
# The accepted copy lives in the repository ($ACCEPTED_SPEC), never only in
# a cache: a lost cache can therefore never make a breaking change look
# like the first spec ever seen. Bootstrap: while no accepted copy exists,
# the live spec is written there with nothing to diff against, and the
# first pull request says so; merging it is the act of accepting it.
#
# Environment:
#   SPEC_URL       where to fetch the spec (default: the live service)
#   ACCEPTED_SPEC  the accepted copy in the repository
#                  (default: specs/accepted/heimdall.json)
#   SPEC_WORKDIR   where the reports and the pull request body go
#                  (default: $RUNNER_TEMP/spec-refresh on CI, else
#                  ${TMPDIR:-/tmp}/heimdall-spec-refresh)
#   GITHUB_STEP_SUMMARY, GITHUB_ACTIONS, GITHUB_OUTPUT  set by CI: reports
#                  go to the job summary, findings become annotations, and
#                  changed=, breaking=, replay_failed=, body= become step
#                  outputs
#
# Exit codes: 0 no unaccepted breaking change (the spec may still have
# changed; see changed=), 1 unaccepted breaking changes, 2 the spec could
# not be fetched or read.
set -uo pipefail
cd "$(dirname "$0")/.."

SPEC_URL="${SPEC_URL:-https://api.auth.productcraft.co/docs-json}"
accepted="${ACCEPTED_SPEC:-specs/accepted/heimdall.json}"
if [ -n "${RUNNER_TEMP:-}" ]; then
  work="${SPEC_WORKDIR:-$RUNNER_TEMP/spec-refresh}"
else
  work="${SPEC_WORKDIR:-${TMPDIR:-/tmp}/heimdall-spec-refresh}"
fi
mkdir -p "$work"
fresh="$work/live.json"
body="$work/pr-body.md"
accept_file="contract-accept.yaml"
scenarios="testdata/scenarios"

go build -o "$work/contract" ./cmd/heimdall-contract || exit 2
contract="$work/contract"

summary() { if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$@" >>"$GITHUB_STEP_SUMMARY"; fi; }
output() { if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$1" >>"$GITHUB_OUTPUT"; fi; }
output "body=$body"

# refresh diffs against what --to held: start from the accepted copy.
rm -f "$fresh"
bootstrap=false
if [ -f "$accepted" ]; then
  cp "$accepted" "$fresh"
else
  bootstrap=true
fi

echo "== refresh from $SPEC_URL"
"$contract" refresh --from "$SPEC_URL" --to "$fresh" --accept "$accept_file" \
  --scenarios "$scenarios" --format markdown >"$work/diff.md"
diff_rc=$?
[ "$diff_rc" -ge 2 ] && exit 2

if ! $bootstrap && cmp -s "$fresh" "$accepted"; then
  echo "the live spec is the accepted one: nothing to propose"
  output "changed=false"
  output "breaking=false"
  exit 0
fi
if $bootstrap; then
  printf '## First accepted Heimdall spec\n\nThere was no accepted copy at `%s`, so there is nothing to diff against. Merging this pull request accepts the live spec as the baseline later refreshes are diffed against; review it as such.\n' "$accepted" >"$work/diff.md"
fi
cat "$work/diff.md"
summary "$work/diff.md"
if [ "${GITHUB_ACTIONS:-}" = "true" ] && ! $bootstrap; then
  "$contract" diff "$accepted" "$fresh" --accept "$accept_file" --format githubactions
fi

echo "== replay $scenarios on the mock built from the fresh spec"
"$contract" replay --mock --spec "$fresh" --format markdown --out "$work/replay.md" "$scenarios"
replay_rc=$?
cat "$work/replay.md"
summary "$work/replay.md"

# The proposal: the new spec in place of the accepted one, and a pull
# request body of the changelog and the replay results, cut to GitHub's
# 65,536-character limit (the diff report already fits on its own).
mkdir -p "$(dirname "$accepted")"
cp "$fresh" "$accepted"
{
  cat "$work/diff.md"
  printf '\n---\n\n'
  cat "$work/replay.md"
} >"$work/pr-body.full.md"
if [ "$(wc -m <"$work/pr-body.full.md")" -gt 65000 ]; then
  { head -c 64000 "$work/pr-body.full.md"; printf '\n\n_Cut to fit a pull request body; the full reports are in the workflow artifacts._\n'; } >"$body"
else
  cp "$work/pr-body.full.md" "$body"
fi
output "changed=true"
if [ "$replay_rc" -ne 0 ]; then output "replay_failed=true"; else output "replay_failed=false"; fi

if [ "$diff_rc" -eq 1 ]; then
  output "breaking=true"
  echo "unaccepted breaking changes: review them, then list the accepted ones in $accept_file" >&2
  exit 1
fi
output "breaking=false"
echo "proposed: $accepted (replay exit $replay_rc)"
exit 0
