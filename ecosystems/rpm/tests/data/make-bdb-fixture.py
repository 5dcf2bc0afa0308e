# Used to make tests/data/bdb-*.Packages; see README.md there.
"""Writes db_dump-format input for db5.3_load from header blobs of an rpmdb.sqlite."""
import sqlite3, struct, sys
src, out, order, pagesize, count, big = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
c = sqlite3.connect(src)
rows = c.execute('select hnum, blob from Packages order by length(blob), hnum').fetchall()
chosen = rows[:count] + (rows[-big-4:-4] if big else [])
fmt = '<I' if order == 'le' else '>I'
with open(out, 'w') as f:
    f.write('VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=%d\ndb_lorder=%s\nHEADER=END\n' % (pagesize, '1234' if order == 'le' else '4321'))
    f.write(' %s\n %s\n' % (struct.pack(fmt, 0).hex(), struct.pack(fmt, max(r[0] for r in rows) + 1).hex()))
    for hnum, blob in chosen:
        f.write(' %s\n %s\n' % (struct.pack(fmt, hnum).hex(), blob.hex()))
    f.write('DATA=END\n')
