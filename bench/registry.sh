#!/usr/bin/env bash
# Benchmark: pulling and scanning an image from a loopback registry vs scanning the same
# image from a local OCI layout (target: at most 1.3x), both with the layer cache off; then a
# cached re-scan from the registry (manifest + config fetched, no layer downloaded).
# Not a test: run it by hand on an otherwise idle machine, after bench/scan.sh has prepared
# bench/out (it builds the images).
#
#   bench/registry.sh
#
# Needs docker-registry, skopeo, hyperfine (apt-get install docker-registry skopeo hyperfine).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=bench/out
[[ -d $out/bookworm-oci ]] || { echo "run bench/scan.sh first (it prepares $out)" >&2; exit 1; }
cargo build --release -p customs-cli -q
customs=$PWD/target/release/customs
export CUSTOMS_CACHE_DIR="$PWD/$out/cache-registry"
rm -rf "$CUSTOMS_CACHE_DIR"
"$customs" -q db update --feed "debian-oval=../shared/data/feeds/debian/oval/oval-definitions-bookworm.xml.bz2"

work=$(mktemp -d /tmp/customs-bench-registry.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/storage
http:
  addr: 127.0.0.1:$port
YAML
docker-registry serve "$work/config.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done

median() { python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"; }

printf '%-14s %10s %12s %14s %8s %16s\n' image stored oci-scan registry-scan ratio registry-cached
for img in bookworm-oci mid-oci big-oci; do
  dir="$out/$img"
  [[ -d $dir ]] || continue
  tag=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["manifests"][0]; print(m.get("annotations",{}).get("org.opencontainers.image.ref.name",""))' "$dir/index.json")
  src="oci:$dir${tag:+:$tag}"
  skopeo copy --quiet --preserve-digests --dest-tls-verify=false --dest-no-creds "$src" "docker://127.0.0.1:$port/bench/$img:1"
  ref="registry:127.0.0.1:$port/bench/$img:1"
  hyperfine -N --warmup 1 --runs 5 --export-json "$work/oci.json" "$customs scan -q --no-cache -f json -o /dev/null oci:$dir${tag:+:$tag}" >/dev/null
  hyperfine -N --warmup 1 --runs 5 --export-json "$work/reg.json" "$customs scan -q --no-cache -f json -o /dev/null $ref" >/dev/null
  "$customs" scan -q -f json -o /dev/null "$ref"
  hyperfine -N --warmup 1 --runs 10 --export-json "$work/cached.json" "$customs scan -q -f json -o /dev/null $ref" >/dev/null
  o=$(median "$work/oci.json"); r=$(median "$work/reg.json"); c=$(median "$work/cached.json")
  printf '%-14s %9sM %11ss %13ss %8.2f %15ss\n' "$img" "$(du -sm "$dir" | cut -f1)" "$o" "$r" "$(echo "$r/$o" | bc -l)" "$c"
done
