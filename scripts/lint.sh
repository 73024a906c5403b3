#!/usr/bin/env bash
# Lints what the Swift compiler does not see: the runner programs and installers embedded in the drivers
# (Drivers/*/Resources, Sources/DriverKit/Resources), the Python tests and benches, and cb-runner's C.
# Run by scripts/test.sh; the tools come from `scripts/setup.sh --test`. Any finding fails the run.
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."

failed=0
step() { echo "==> lint: $*" >&2; }
fail() { echo "lint: $*" >&2; failed=1; }
need() { command -v "$1" >/dev/null || { echo "lint: $1 not found (run scripts/setup.sh --test)" >&2; exit 1; }; }
need python3; need node; need deno; need cc
python3 -m pyflakes --version >/dev/null 2>&1 || { echo "lint: pyflakes not found (run scripts/setup.sh --test)" >&2; exit 1; }

step "no Swift string literal over 40 lines"
python3 scripts/check-literals.py || fail "long Swift string literals (see above)"

step "pyflakes"
python3 -m pyflakes Drivers/*/Resources/*.py Sources/DriverKit/Resources/*.py Tests/e2e Tests/packaging Tests/runners bench scripts/*.py clients/python \
    || fail "pyflakes findings (see above)"

step "node --check"
for f in Drivers/*/Resources/*.js Drivers/*/Resources/*.mjs Sources/DriverKit/Resources/*.mjs \
         Sources/DriverKit/Resources/*.js Tests/e2e/node/*.mjs clients/js/src/*.js clients/js/test/*.mjs \
         Sources/Host/Resources/playground/pg-*.js Tests/playground/*.mjs; do
    node --check "$f" || fail "node --check $f"
done

# The deno runner imports ./control.mjs and starts ./deno-control.mjs: check it as laid out in the sandbox's
# /opt/codebeaker (see DenoRuntime.openSession).
step "deno check"
opt=$(mktemp -d)
trap 'rm -rf "$opt"' EXIT
cp Drivers/deno/Resources/* Sources/DriverKit/Resources/control.mjs "$opt"/
(cd "$opt" && DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 deno check --quiet deno-runner.ts) || fail "deno check deno-runner.ts"

# cb-runner as scripts/build-runtime-images.sh builds it (static, -O2 for the flow warnings), then its wire test
# against the golden frames the Swift side reads too (Tests/DockerDriverTests/RunnerWireVectorTests.swift).
step "cc cb-runner.c, cb-runner wire vectors"
CFLAGS=(-O2 -Wall -Wextra -Werror)
cc "${CFLAGS[@]}" -c -o "$opt/cb-runner.o" scripts/images/cb-runner.c || fail "cc cb-runner.c"
if cc "${CFLAGS[@]}" -o "$opt/wire_test" Tests/cb-runner/wire_test.c; then
    "$opt/wire_test" Tests/Fixtures/cb-runner-wire/vectors.txt || fail "cb-runner wire vectors"
else
    fail "cc wire_test.c"
fi

# The language manifests' keys and types (fast; their test programs run in Tests/e2e/test_languages.py, and
# `scripts/check-runtimes.py` runs them without the server, ~35-80 s).
step "runtime manifests"
out=$(python3 scripts/check-runtimes.py --validate-only 2>&1) || { grep -v '^VALID' <<<"$out" >&2; fail "runtimes/*.json"; }

# Swift: the toolchain's swift-format with the house style (.swift-format); any finding fails.
step "swift format lint"
scripts/format.sh >/dev/null || fail "swift format lint (scripts/format.sh --fix formats, then fix what it lists)"

[ "$failed" -eq 0 ] || { echo "lint failed" >&2; exit 1; }
step "clean"
