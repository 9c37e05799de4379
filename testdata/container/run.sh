#!/usr/bin/env bash
# Tests the container image as a user's compose file would run it, without
# a container runtime: the image's root filesystem is exported, its
# entrypoint and command run under chroot as the image's user, and
# calls.mjs signs up, signs in and verifies the token over loopback.
#   bash testdata/container/run.sh                 # builds heimdall-mock:ci first
#   IMAGE=heimdall-mock:dev bash testdata/container/run.sh
# Needs root (chroot), podman, node and curl.
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD
root=$(cd ../.. && pwd)
for tool in podman node chroot; do
  command -v "$tool" >/dev/null || { echo "container: $tool is required" >&2; exit 1; }
done

image=${IMAGE:-}
if [ -z "$image" ]; then
  image=heimdall-mock:ci
  "$root/scripts/build-image.sh" "$image"
fi

tmp=$(mktemp -d)
ctr=""
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$ctr" ]; then podman rm -f "$ctr" >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "container: inspecting $image"
podman image inspect "$image" --format '{{json .Config}}' >"$tmp/config.json"
# HEALTHCHECK lives in the docker-format config, which podman reports apart.
podman image inspect "$image" --format '{{json .HealthCheck}}' >"$tmp/health.json"

echo "container: exporting the root filesystem"
ctr=$(podman create "$image")
mkdir "$tmp/rootfs"
podman export "$ctr" | tar -x -C "$tmp/rootfs"
podman rm "$ctr" >/dev/null
ctr=""

# The image's own configuration decides how to run it: entrypoint, command,
# user and environment are read back, not repeated here. Only the port
# moves to a free one (a later --port wins), since 4010 may be taken.
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
mapfile -t argv < <(node -e '
  const c = require(process.argv[1]);
  for (const a of [...(c.Entrypoint || []), ...(c.Cmd || []), "--port", process.argv[2]]) console.log(a);
' "$tmp/config.json" "$port")
user=$(node -p 'require(process.argv[1]).User' "$tmp/config.json")
mapfile -t envs < <(node -e 'for (const e of require(process.argv[1]).Env || []) console.log(e)' "$tmp/config.json")

echo "container: running ${argv[*]} as $user under chroot"
env -i "${envs[@]}" chroot --userspec="$user" "$tmp/rootfs" "${argv[@]}" >"$tmp/mock.log" 2>&1 </dev/null &
pid=$!

set +e
ROOTFS="$tmp/rootfs" CONFIG="$tmp/config.json" HEALTH="$tmp/health.json" \
  MOCK_URL="http://127.0.0.1:$port" MOCK_PID="$pid" \
  node --test --test-reporter=tap "$here/calls.test.mjs" </dev/null | tee "$tmp/node.out"
status=${PIPESTATUS[0]}
set -e

if [ "$status" -eq 0 ]; then
  # The HEALTHCHECK command, run as the image would run it.
  mapfile -t probe < <(node -e '
    const h = require(process.argv[1]) || {};
    const t = h.Test || [];
    for (const a of (t[0] === "CMD" ? t.slice(1) : [])) console.log(a);
    console.log("--port"); console.log(process.argv[2]);
  ' "$tmp/health.json" "$port")
  if [ "${#probe[@]}" -lt 3 ]; then
    echo "container: the image has no exec-form HEALTHCHECK" >&2; status=1
  elif ! env -i "${envs[@]}" chroot --userspec="$user" "$tmp/rootfs" "${probe[@]}"; then
    echo "container: HEALTHCHECK ${probe[*]} failed" >&2; status=1
  else
    echo "container: HEALTHCHECK ${probe[*]} passed"
  fi
fi
if [ "$status" -ne 0 ]; then
  echo "container: the mock's log:" >&2
  tail -n 40 "$tmp/mock.log" >&2
fi
exit "$status"
