#!/usr/bin/env bash
# End-to-end lag of teefs: a small file is written on the mount (the write returns) -> the same bytes are on every
# mirror drive. Runs `teefs up` with its default layout in a scratch directory, writes N files one at a time
# (each after the previous one reached all drives, plus a 10 ms pause), polls the drives every 0.2 ms, and prints
# p50/p90/p99/max twice: for the first N writes after start (the JVMs' JITs are still compiling the hot paths; the
# first 20 writes are not counted), and at steady state, after 3,000 files in a burst and 100 more single writes
# (what a mirror that has been running for a while shows; the targets are for this one), and for 20 writes that each
# come after 1.5 s of quiet. Then a burst: 1,000 small files written back to back, and the time from the last write
# returning to all 1,000 present on every drive.
# Usage: bench/mirror/lag.sh [N=200] [WORKDIR=/var/tmp/teefs-lag]   (root; build first: mvn -q -DskipTests package)
set -euo pipefail
n=${1:-200}
work=${2:-/var/tmp/teefs-lag}
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib/up.sh"
start_up "$here/bin/teefs" "$work"
python3 - "$n" teefs-data/mount teefs-data/mirrors/disk1 teefs-data/mirrors/disk2 <<'PY'
import os, sys, time
n, mount, drives = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
def arrived(name, data):
    for d in drives:
        try:
            with open(os.path.join(d, name), 'rb') as f:
                if f.read() != data: return False
        except OSError:
            return False
    return True
def single(name):
    data = os.urandom(512)
    with open(os.path.join(mount, name), 'wb') as f: f.write(data)
    t0 = time.perf_counter()
    while not arrived(name, data):
        time.sleep(0.0002)
    lag = (time.perf_counter() - t0) * 1000
    time.sleep(0.01)
    return lag
def burst(name, count):
    os.makedirs(os.path.join(mount, name))
    time.sleep(0.5)
    for i in range(count):
        with open(os.path.join(mount, name, 'b%04d' % i), 'wb') as f: f.write(b'x' * 100)
    t0 = time.perf_counter()
    last = 'b%04d' % (count - 1)
    while not all(os.path.exists(os.path.join(d, name, last)) and len(os.listdir(os.path.join(d, name))) == count
                  for d in drives):
        time.sleep(0.0005)
    return (time.perf_counter() - t0) * 1000
def report(label, lags):
    lags = sorted(lags)
    q = lambda p: lags[min(len(lags) - 1, int(p * len(lags)))]
    print('%s: n=%d  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms' % (label, len(lags), q(.5), q(.9), q(.99),
                                                                           lags[-1]), flush=True)
for i in range(20): single('start%05d' % i)           # class loading, first calls
report('single writes, the first %d after start (JITs still compiling)' % n, [single('cold%05d' % i) for i in range(n)])
burst('warm-up', 3000)                                 # steady state: what a mirror that has been running looks like
for i in range(100): single('warm%05d' % i)
report('single writes, steady state', [single('lag%05d' % i) for i in range(n)])
quiet = []
for i in range(20):                                    # a home server: one file now and then
    time.sleep(1.5)
    quiet.append(single('quiet%05d' % i))
report('single writes after 1.5 s of quiet', quiet)
print('burst of 1000 files: all on both drives %.1f ms after the last write returned' % burst('burst', 1000))
PY
