#!/usr/bin/env bash
# Installs a built CodeBeaker: the host in /usr/local/bin, the drivers and codebeaker-sandbox (the sandbox service
# drivers in other languages call; docs/driver-protocol.md) in /usr/local/lib/codebeaker/drivers, and
# codebeaker-sandbox on PATH as /usr/local/bin/codebeaker-sandbox. The host does not need the tool; drivers do.
# Usage: scripts/install.sh [BUILD_DIR]   (default .build/release; build it first: swift build -c release)
# PREFIX (default /usr/local) moves everything, e.g. into a staging directory.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-.build/release}
prefix=${PREFIX:-/usr/local}
drivers="$prefix/lib/codebeaker/drivers"
[ -x "$build/codebeaker" ] || { echo "install: $build/codebeaker not found (swift build -c release first)" >&2; exit 1; }
[ -x "$build/codebeaker-sandbox" ] || { echo "install: $build/codebeaker-sandbox not found" >&2; exit 1; }
install -d -m 0755 "$prefix/bin" "$drivers"
install -m 0755 "$build/codebeaker" "$prefix/bin/codebeaker"
for d in "$build"/codebeaker-driver-*; do
  case "${d##*/}" in *.*) continue ;; esac  # build by-products (.product, .build, ...)
  if [ -f "$d" ] && [ -x "$d" ]; then install -m 0755 "$d" "$drivers/"; fi
done
install -m 0755 "$build/codebeaker-sandbox" "$drivers/codebeaker-sandbox"
ln -sf "$drivers/codebeaker-sandbox" "$prefix/bin/codebeaker-sandbox"
echo "installed: $prefix/bin/codebeaker, $prefix/bin/codebeaker-sandbox, drivers in $drivers" >&2
