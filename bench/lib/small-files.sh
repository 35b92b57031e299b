# Sourced by the journal-fs benchmarks: the small-file workload both of them time.
# Each call creates a new tree (NAME) and the benchmarks delete none until the end: this filesystem is ext4 without a
# journal, which does not reuse an inode freed less than 30 s ago and scans past each one (recently_deleted). Creating
# right after deleting the previous 20,000 files spent up to ~40% of the CPU there, for whichever peer came next.
small_files() { # DIR NAME: 20,000 files of 1 KiB in 100 directories under DIR/NAME
  python3 - "$1" "$2" <<'PY'
import os, sys
base = sys.argv[1]; data = b'x' * 1024
for d in range(100):
    p = os.path.join(base, sys.argv[2], 'd%03d' % d); os.makedirs(p)
    for f in range(200):
        with open(os.path.join(p, 'f%03d' % f), 'wb') as fh: fh.write(data)
PY
}
