#!/usr/bin/env bash
# Sets up everything the tests need (apt, pip, dockerd, local images), builds, and runs every suite:
# the linters and the runner programs' own unit tests, Swift unit/integration tests, then the end-to-end
# tests against the real binaries, then the Debian packages built from a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test --docker
echo "==> lint" >&2
scripts/lint.sh
echo "==> runner unit tests (pytest)" >&2
python3 -m pytest -q Tests/runners
echo "==> swift build" >&2
swift build 2>&1 | tail -n 3
echo "==> swift test" >&2
set +e
swift test --no-parallel 2>&1 | tee /tmp/codebeaker-swift-test.log | grep --line-buffered -vE '^(\[[0-9]+/[0-9]+\]|◇|↳)|Test [A-Za-z0-9_]+\(.*passed after'
swift_status=${PIPESTATUS[0]}
set -e
[ "$swift_status" -eq 0 ] || { echo "swift test failed" >&2; exit "$swift_status"; }
scripts/check-swift-skips.sh /tmp/codebeaker-swift-test.log
echo "==> end-to-end tests (pytest)" >&2
python3 -m pytest -q Tests/e2e
if ls Tests/e2e/node/*.test.mjs >/dev/null 2>&1; then
  echo "==> end-to-end tests (node)" >&2
  node --experimental-websocket --test Tests/e2e/node/
fi
echo "==> release build (static Swift runtime), then the Debian packages (pytest)" >&2
start=$(date +%s)
swift build -c release --static-swift-stdlib 2>&1 | tail -n 3
echo "release build: $(( $(date +%s) - start )) s" >&2
python3 -m pytest -q Tests/packaging
echo "release build and package tests: $(( $(date +%s) - start )) s" >&2
echo "==> Python client tests (pytest)" >&2
python3 -m pytest -q clients/python/tests
echo "==> playground modules (node)" >&2
node --test Tests/playground/
echo "==> JavaScript client tests (node)" >&2
node --experimental-websocket --test clients/js/test/*.test.mjs
