# Sourced by the journal-fs benchmarks: the small-file workload both of them time.
small_files() { # DIR: 20,000 files of 1 KiB in 100 directories
  python3 - "$1" <<'PY'
import os, sys
base = sys.argv[1]; data = b'x' * 1024
for d in range(100):
    p = os.path.join(base, 'small', 'd%03d' % d); os.makedirs(p)
    for f in range(200):
        with open(os.path.join(p, 'f%03d' % f), 'wb') as fh: fh.write(data)
PY
}
