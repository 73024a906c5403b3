#!/usr/bin/env bash
# Sets up, builds and runs the server on ws://127.0.0.1:5039/ws/jsonrpc. Extra arguments go to codebeaker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "==> swift build -c release" >&2
swift build -c release >&2
exec .build/release/codebeaker "$@"
