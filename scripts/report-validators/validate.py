"""Validates one customs report file against its format's published schema or tool.

usage: .venv/bin/python validate.py FORMAT FILE   (FORMAT: sarif, cyclonedx, spdx-json, junit, gitlab)
Exit 0 when valid; otherwise prints every problem and exits 1.
"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))


def sarif(path):
    import jsonschema

    schema_path = os.path.join(HERE, "node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json")
    with open(schema_path) as f:
        schema = json.load(f)
    with open(path) as f:
        doc = json.load(f)
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    return [f"{list(e.path)}: {e.message}" for e in errors]


def cyclonedx(path):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    with open(path) as f:
        text = f.read()
    err = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    return [str(err)] if err else []


def spdx(path):
    out = subprocess.run(
        [os.path.join(HERE, ".venv/bin/pyspdxtools"), "--infile", path],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0 or "ERROR" in out.stdout + out.stderr:
        return [out.stdout + out.stderr]
    return []


def junit(path):
    root = ET.parse(path).getroot()
    problems = []
    if root.tag != "testsuites":
        problems.append(f"root is {root.tag}, not testsuites")
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        if int(suite.get("tests", "-1")) != len(cases):
            problems.append(f"suite {suite.get('name')}: tests={suite.get('tests')} but {len(cases)} testcases")
        failures = sum(1 for c in cases if c.find("failure") is not None)
        if int(suite.get("failures", "-1")) != failures:
            problems.append(f"suite {suite.get('name')}: failures={suite.get('failures')} but {failures} failing")
        for c in cases:
            if not c.get("name") or not c.get("classname"):
                problems.append("testcase without name or classname")
    return problems


def gitlab(path):
    with open(path) as f:
        doc = json.load(f)
    problems = []
    if doc.get("scan", {}).get("type") != "container_scanning":
        problems.append("scan.type is not container_scanning")
    for k in ("start_time", "end_time"):
        v = doc.get("scan", {}).get(k, "")
        if len(v) != 19 or v[10] != "T":
            problems.append(f"scan.{k} {v!r} is not YYYY-MM-DDTHH:MM:SS")
    for v in doc.get("vulnerabilities", []):
        for k in ("id", "severity", "identifiers", "location"):
            if k not in v:
                problems.append(f"vulnerability without {k}")
        if v.get("severity") not in ("Info", "Unknown", "Low", "Medium", "High", "Critical"):
            problems.append(f"bad severity {v.get('severity')}")
        dep = v.get("location", {}).get("dependency", {})
        if not dep.get("package", {}).get("name") or "version" not in dep:
            problems.append("location.dependency needs package.name and version")
    return problems


CHECKS = {"sarif": sarif, "cyclonedx": cyclonedx, "spdx-json": spdx, "junit": junit, "gitlab": gitlab}

if __name__ == "__main__":
    fmt, path = sys.argv[1], sys.argv[2]
    problems = CHECKS[fmt](path)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)
