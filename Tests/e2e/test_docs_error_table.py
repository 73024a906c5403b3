"""docs/api.md's error table lists exactly the JSON-RPC error codes the host can answer with: the codes of the
RPCError helpers some host file uses, and every literal `RPCError(code: ...)` / `"code": .int(...)`."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
HOST = ROOT / "Sources" / "Host"


def host_codes():
    helper_file = next(HOST.rglob("RPCError.swift"))
    helpers = dict(re.findall(r"static func (\w+)\(.*?code: (-32\d{3})", helper_file.read_text(), re.S))
    codes = set()
    for f in HOST.rglob("*.swift"):
        if f == helper_file or "Conformance" in f.parts:  # the conformance kit checks drivers' codes, not ours
            continue
        text = f.read_text()
        codes |= {int(c) for c in re.findall(r'RPCError\(code: (-32\d{3})|"code": \.int\((-32\d{3})\)', text)
                  for c in c if c}
        codes |= {int(code) for name, code in helpers.items() if re.search(r"\.%s\(" % name, text)}
    return codes


def documented_codes():
    doc = (ROOT / "docs" / "api.md").read_text()
    table = doc.split("### Errors", 1)[1].split("\n### ", 1)[0]
    return {int(c) for c in re.findall(r"^\| (-32\d{3}) \|", table, re.M)}


def test_the_api_error_table_matches_the_codes_the_host_returns():
    found = host_codes()
    assert found, "no error codes found in Sources/Host: the scan is broken"
    assert documented_codes() == found, (f"documented, never returned: {sorted(documented_codes() - found)}; "
                                         f"returned, not documented: {sorted(found - documented_codes())}")
