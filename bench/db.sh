#!/usr/bin/env bash
# Vulnerability-database benchmarks (issue 7):
#   1. ingesting every feed in ../shared/data from local files (target < 30 s, 2 cores);
#   2. database size vs the uncompressed feeds (target < half);
#   3. an update in which nothing changed (target < 1 s);
#   4. matching 1,000 packages against a warm database (target < 20 ms), by the
#      customs-scan `match_bench` example.
# Usage: bench/db.sh   (builds release binaries; writes bench/out/db.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/feeds}
OUT=bench/out; mkdir -p "$OUT"
cargo build --release -q -p customs-cli
BIN=target/release/customs
WORK=${KEEP_DB:-$(mktemp -d)}; [ -n "${KEEP_DB:-}" ] || trap 'rm -rf "$WORK"' EXIT; rm -f "$WORK/customs.db"
DB=$WORK/customs.db

# Every registered feed kind with local data in ../shared/data.
FEEDS=(
  debian-oval=$DATA/debian/oval/oval-definitions-bookworm.xml.bz2
  debian-oval=$DATA/debian/oval/oval-definitions-bullseye.xml.bz2
  debian-oval=$DATA/debian/oval/oval-definitions-buster.xml.bz2
  debian-dsa=$DATA/debian/tracker/DSA.list
  debian-dsa=$DATA/debian/tracker/DLA.list
  debian-dsa=$DATA/debian/tracker/DTSA.list
  debian-tracker=$DATA/debian/tracker-json-sample/debian.json
  alpine-secdb=$DATA/alpine-secdb/json
  ubuntu-oval=$DATA/ubuntu/oval/com.ubuntu.jammy.usn.oval.xml
  ubuntu-oval=$DATA/ubuntu/oval/com.ubuntu.noble.usn.oval.xml
  ubuntu-osv=$DATA/ubuntu/osv-samples
  osv=$DATA/osv/pypa-advisory-database.tar.zst
  osv=$DATA/osv/golang-vulndb-osv.tar.zst
  osv=$DATA/osv/rustsec-osv.tar.zst
  nvd=$DATA/nvd/nvd-api2-full-page.json
  kev=$DATA/nvd/cisa-kev-sample.json
  epss=$DATA/nvd/epss-sample.csv
)
ARGS=(); RAW=()
for f in "${FEEDS[@]}"; do ARGS+=(--feed "$f"); RAW+=("${f#*=}"); done
# Kinds registered later (redhat-oval, rocky-oval, ...) are added when `customs db feeds`
# lists them.
for extra in "redhat-oval=$DATA/redhat/oval/com.redhat.rhsa-RHEL9.xml" \
             "rocky-oval=$DATA/rocky/oval/org.rockylinux.rlsa-9.xml"; do
  if $BIN db feeds | grep "^${extra%%=*} " >/dev/null; then ARGS+=(--feed "$extra"); RAW+=("${extra#*=}"); fi
done

# Uncompressed size of the inputs.
uncompressed() {
  local p=$1
  if [ -d "$p" ]; then find "$p" -type f -exec cat {} + | wc -c
  else case "$p" in
    *.bz2) bzip2 -dc "$p" | wc -c ;;
    *.tar.zst) zstd -dc "$p" | tar -xO 2>/dev/null | wc -c ;;
    *) wc -c < "$p" ;;
  esac; fi
}
RAWBYTES=0
for p in "${RAW[@]}"; do RAWBYTES=$((RAWBYTES + $(uncompressed "$p"))); done

{
echo "== customs db benchmarks ($(date -u +%FT%TZ), $(nproc) cores)"
s=$(date +%s.%N)
$BIN db update --db "$DB" "${ARGS[@]}" 2>&1 | sed 's/^/   /'
e=$(date +%s.%N)
echo "1. full ingest from local files: $(echo "$e - $s" | bc) s (target < 30 s)"
DBBYTES=$(stat -c %s "$DB")
echo "2. database $((DBBYTES/1024)) KiB vs uncompressed feeds $((RAWBYTES/1024)) KiB: ratio $(echo "scale=3; $DBBYTES/$RAWBYTES" | bc) (target < 0.5)"
s=$(date +%s.%N)
$BIN db update --db "$DB" "${ARGS[@]}" 2>&1 | sed 's/^/   /'
e=$(date +%s.%N)
echo "3. no-change update: $(echo "$e - $s" | bc) s (target < 1 s)"
echo "4. matching 1,000 packages (warm database):"
cargo run --release -q -p customs-scan --example match_bench -- "$DB" | sed 's/^/   /'
} | tee "$OUT/db.txt"
