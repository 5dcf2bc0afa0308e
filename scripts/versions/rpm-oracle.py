#!/usr/bin/python3
"""rpm oracle: reads `A<TAB>B` (or `A B`) lines, prints -1/0/1 per line, E when rpm rejects.

Uses rpm's own Python binding (Debian: python3-rpm, run by /usr/bin/python3): `rpm.ver`
parses `[EPOCH:]VERSION[-RELEASE]` with rpmverParse and orders with rpmverCmp, the same
code as `rpm --eval '%{lua: print(rpm.vercmp(A, B))}'`.
"""
import sys

import rpm

out = []
for line in sys.stdin:
    line = line.rstrip("\n")
    a, b = line.split("\t", 1) if "\t" in line else line.split(None, 1)
    try:
        va, vb = rpm.ver(a), rpm.ver(b)
        out.append(str((va > vb) - (va < vb)))
    except Exception:  # noqa: BLE001 - any rejection is an answer
        out.append("E")
sys.stdout.write("\n".join(out) + ("\n" if out else ""))
