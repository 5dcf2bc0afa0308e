"""An independent reading of an ndb Packages.db for the differential test.

Debian's rpm is built without the ndb backend, so this script walks the ndb container
itself (following rpm's lib/backend/ndb/rpmpkg.c: 32-byte file header, 16-byte slots in
4096-byte slot pages, blobs framed by BlbS/BlbE in 16-byte blocks) and hands every blob to
librpm through python3-rpm (`rpm.hdr(blob)`), which verifies and formats the header exactly
as `rpm -qa --qf` would.

usage: ndb_oracle.py PACKAGES_DB QUERYFORMAT
"""

import struct
import sys

import rpm


def main():
    path, qf = sys.argv[1], sys.argv[2]
    data = open(path, "rb").read()
    magic, version, _gen, slotnpages, _next = struct.unpack_from("<4sIIII", data, 0)
    if magic != b"RpmP" or version != 0:
        sys.exit("not an ndb database")
    slots = []
    for off in range(32, slotnpages * 4096, 16):
        smagic, pkgidx, blkoff, blkcnt = struct.unpack_from("<4sIII", data, off)
        if smagic != b"Slot":
            sys.exit("bad slot magic at %d" % off)
        if blkoff == 0:
            continue
        slots.append((pkgidx, blkoff, blkcnt))
    for pkgidx, blkoff, blkcnt in sorted(slots):
        start = blkoff * 16
        bmagic, bidx, _bgen, blen = struct.unpack_from("<4sIII", data, start)
        if bmagic != b"BlbS" or bidx != pkgidx:
            print("bad blob for package %d" % pkgidx, file=sys.stderr)
            continue
        tail = start + blkcnt * 16 - 12
        _adler, tlen, tmagic = struct.unpack_from("<II4s", data, tail)
        if tmagic != b"BlbE" or tlen != blen:
            print("bad blob tail for package %d" % pkgidx, file=sys.stderr)
            continue
        blob = data[start + 16 : start + 16 + blen]
        try:
            h = rpm.hdr(blob)
        except Exception as e:  # librpm refused the header: rpm -qa would skip it too
            print("damaged header %d: %s" % (pkgidx, e), file=sys.stderr)
            continue
        sys.stdout.write(h.format(qf))


main()
