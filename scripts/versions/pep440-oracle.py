#!/usr/bin/env python3
"""PEP 440 oracle (PyPA `packaging`): reads `A<TAB>B` lines and prints -1/0/1, or E when
`packaging.version.Version` rejects either side. With `--satisfies`, lines are
`VERSION<TAB>SPECIFIERS` and the answer is `SpecifierSet(S).contains(V, prereleases=True)`
as true/false (E when either does not parse). The version is passed as the string itself,
as a scanner would, so `===` compares the string as written.
"""
import sys

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

satisfies = "--satisfies" in sys.argv[1:]
out = []
for line in sys.stdin:
    line = line.rstrip("\n")
    a, b = line.split("\t", 1) if "\t" in line else line.split(None, 1)
    try:
        va = Version(a)
        if satisfies:
            out.append("true" if SpecifierSet(b).contains(a, prereleases=True) else "false")
        else:
            vb = Version(b)
            out.append(str((va > vb) - (va < vb)))
    except (InvalidVersion, InvalidSpecifier, ValueError):  # ValueError: int digit limit
        out.append("E")
sys.stdout.write("\n".join(out) + ("\n" if out else ""))
