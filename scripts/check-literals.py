#!/usr/bin/env python3
"""Fails when a Swift multi-line string literal spans more than MAX_LINES lines of content.

Programs in other languages (runner scripts, installers) belong in files of their own language under a target's
Resources/, embedded at build time, where their own linters see them (scripts/lint.sh).

Usage: scripts/check-literals.py [--max N] [PATH...]   (default: Sources Drivers Tests)
"""
import os
import re
import sys

MAX_LINES = 40
# An opening delimiter ends its line: `"""`, or `#"""` with any number of `#` (raw strings).
OPEN = re.compile(r'(#*)"""\s*$')


def literals(text):
    """(first line number, content line count) of each multi-line string literal in Swift source `text`."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = OPEN.search(lines[i])
        if m is None or lines[i].lstrip().startswith("//"):
            i += 1
            continue
        close = '"""' + m.group(1)
        j = i + 1
        while j < len(lines) and not lines[j].lstrip().startswith(close):
            j += 1
        out.append((i + 1, j - i - 1))
        i = j + 1
    return out


def swift_files(paths):
    for root in paths:
        if os.path.isfile(root):
            yield root
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for f in sorted(filenames):
                if f.endswith(".swift"):
                    yield os.path.join(dirpath, f)


def main(argv):
    limit = MAX_LINES
    if argv[:1] == ["--max"]:
        limit, argv = int(argv[1]), argv[2:]
    found = []
    for path in swift_files(argv or ["Sources", "Drivers", "Tests"]):
        with open(path, encoding="utf-8") as f:
            for line, count in literals(f.read()):
                if count > limit:
                    found.append("%s:%d: a string literal of %d lines (at most %d: move it into a file of its own "
                                 "language under Resources/ and embed it)" % (path, line, count, limit))
    for msg in found:
        print(msg, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
