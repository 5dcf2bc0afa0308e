#!/usr/bin/env bash
# Benchmark: customs scan against the physical floor (gzip -dc of the same layers) and peak
# memory. Not a test: run it by hand (or in a perf job) on an otherwise idle machine.
#
#   bench/scan.sh            # prepares images under bench/out (debootstrap: ~1 min once)
#
# Prints, per image: median seconds of `gzip -dc` over all layer blobs, of a full
# `customs scan --no-cache`, their ratio, of a re-scan with every layer cached, and the full
# scan's peak RSS (from /usr/bin/time -v). Needs hyperfine, time,
# debootstrap (apt-get install hyperfine time debootstrap).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=bench/out
mkdir -p "$out"

cargo build --release -p customs-cli -q
cargo run --release -q -p customs-testkit --example bench_images -- "$out" >/dev/null
customs=target/release/customs
export CUSTOMS_CACHE_DIR="$PWD/$out/cache"

# A small real database so matching is part of the measurement.
"$customs" -q db update --feed "debian-oval=../shared/data/feeds/debian/oval/oval-definitions-bookworm.xml.bz2"

layers_of() { # the layer blob paths of an OCI layout
  python3 - "$1" <<'PY'
import json, sys, os
root = sys.argv[1]
idx = json.load(open(os.path.join(root, "index.json")))
m = idx["manifests"][0]["digest"].split(":")
man = json.load(open(os.path.join(root, "blobs", m[0], m[1])))
for l in man["layers"]:
    a, h = l["digest"].split(":")
    print(os.path.join(root, "blobs", a, h))
PY
}

median() { # hyperfine JSON → median seconds
  python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"
}

printf '%-14s %10s %10s %12s %8s %12s %8s %12s\n' image compressed gzip-dc customs-scan ratio cached-scan layers peak-RSS
for img in bookworm-oci big-oci; do
  dir="$out/$img"
  mapfile -t blobs < <(layers_of "$dir")
  size=$(du -cb "${blobs[@]}" | tail -1 | cut -f1)
  hyperfine -N --warmup 1 --runs 5 --export-json "$out/gzip.json" "bash -c 'cat ${blobs[*]} | gzip -dc > /dev/null'" >/dev/null 2>&1 \
    || hyperfine --warmup 1 --runs 5 --export-json "$out/gzip.json" "cat ${blobs[*]} | gzip -dc > /dev/null" >/dev/null
  # A full scan (the layer cache off), then a re-scan with every layer cached.
  hyperfine -N --warmup 1 --runs 5 --export-json "$out/scan.json" "$customs scan -q --no-cache -f json -o /dev/null oci:$dir" >/dev/null
  "$customs" scan -q -f json -o /dev/null "oci:$dir"
  hyperfine -N --warmup 1 --runs 10 --export-json "$out/cached.json" "$customs scan -q -f json -o /dev/null oci:$dir" >/dev/null
  g=$(median "$out/gzip.json"); s=$(median "$out/scan.json"); c=$(median "$out/cached.json")
  rss=$( { /usr/bin/time -v "$customs" scan -q --no-cache -f json -o /dev/null "oci:$dir" >/dev/null; } 2>&1 | awk -F': ' '/Maximum resident set size/ {print $2}')
  printf '%-14s %9.1fM %9ss %11ss %8.2f %11ss %8s %9.1f MiB\n' "$img" "$(echo "$size/1048576" | bc -l)" "$g" "$s" "$(echo "$s/$g" | bc -l)" "$c" "${#blobs[@]}" "$(echo "$rss/1024" | bc -l)"
done
