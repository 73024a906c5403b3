#!/usr/bin/env bash
# Swift formatting, with the toolchain's swift-format and the house style in .swift-format (4 spaces, 120 columns).
#   scripts/format.sh         lint the tree; exit non-zero on any finding (CI)
#   scripts/format.sh --fix   format the tree in place first, then lint what is left (findings to fix by hand)
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Sources Drivers Tests Package.swift)
if [ "${1:-}" = "--fix" ]; then
  swift format format -i -r --parallel --configuration .swift-format "${paths[@]}"
fi
echo "==> swift format lint" >&2
swift format lint --strict -r --parallel --configuration .swift-format "${paths[@]}"
