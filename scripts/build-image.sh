#!/usr/bin/env bash
# Builds the container image of the mock from this checkout with podman (or
# docker): a static binary, the build host's CA bundle and an unprivileged
# user, on an empty base, so no base image is pulled.
#   scripts/build-image.sh [TAG]          # default TAG heimdall-mock:dev
#   CONTAINER_TOOL=docker scripts/build-image.sh heimdall-mock:local
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-heimdall-mock:dev}
tool=${CONTAINER_TOOL:-}
if [ -z "$tool" ]; then
  for t in podman docker; do command -v "$t" >/dev/null && { tool=$t; break; }; done
fi
[ -n "$tool" ] || { echo "build-image: needs podman or docker on PATH (Debian: apt-get install podman)" >&2; exit 1; }

ca=""
for f in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
  [ -s "$f" ] && { ca=$f; break; }
done
[ -n "$ca" ] || { echo "build-image: no CA bundle on this host (Debian: apt-get install ca-certificates)" >&2; exit 1; }

stage=dist/image
rm -rf "$stage"
mkdir -p "$stage/home"
# The VCS stamp gives --version its revision; a tree git cannot read (an
# archive, a foreign owner) still builds, without it.
buildvcs=true
git rev-parse --git-dir >/dev/null 2>&1 || buildvcs=false
CGO_ENABLED=0 GOFLAGS= go build -trimpath -buildvcs="$buildvcs" -ldflags='-s -w' -o "$stage/heimdall-mock" ./cmd/heimdall-mock
cp "$ca" "$stage/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nmock:x:65532:65532:heimdall-mock:/home/mock:/sbin/nologin\n' >"$stage/passwd"
printf 'root:x:0:\nmock:x:65532:\n' >"$stage/group"

revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
version=$(git describe --tags --always --dirty 2>/dev/null || echo devel)
format=()
# OCI images drop HEALTHCHECK; the docker format keeps it for podman too.
[ "$tool" = podman ] && format=(--format docker)
"$tool" build "${format[@]}" -f Containerfile \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  -t "$tag" .
echo "build-image: built $tag with $tool"
