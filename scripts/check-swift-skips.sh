#!/usr/bin/env bash
# Under CI=true, a skipped Swift test is a missing install step, not a pass (as for the e2e tests, see
# Tests/e2e/conftest.py): reads a `swift test` log and fails naming every skipped test and suite with its reason.
# Swift Testing prints `➜ Test name() skipped: "reason"` (or `skipped.`); XCTest prints `Test Case '...' skipped`.
set -euo pipefail
log=${1:?usage: check-swift-skips.sh <swift test log>}
[ "${CI:-}" = "true" ] || exit 0
skipped=$(grep -E "^(➜ )?(Test|Suite) .* skipped(:|\.)|^Test Case '.*' skipped" "$log" || true)
if [ -n "$skipped" ]; then
  echo "CI=true: these Swift tests were skipped, so a precondition is missing from .ci/run:" >&2
  printf '  %s\n' "$skipped" >&2
  exit 1
fi
