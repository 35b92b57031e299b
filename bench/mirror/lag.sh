#!/usr/bin/env bash
# End-to-end lag of teefs: a small file is written on the mount (the write returns) -> the same bytes are on every
# mirror drive. Runs `teefs up` with its default layout in a scratch directory, writes N files one at a time
# (each after the previous one reached all drives, plus a pause so writes are "single writes at steady load"),
# polls the drives every 0.2 ms, prints p50/p90/p99/max. Then a burst: 1,000 small files written back to back,
# and the time from the last write returning to all 1,000 present on every drive.
# Usage: bench/mirror/lag.sh [N=200] [WORKDIR=/var/tmp/teefs-lag]   (root; build first: mvn -q -DskipTests package)
set -euo pipefail
n=${1:-200}
work=${2:-/var/tmp/teefs-lag}
here="$(cd "$(dirname "$0")/../.." && pwd)"
cleanup() {
  [[ -n "${up_pid:-}" ]] && kill "$up_pid" 2>/dev/null && wait "$up_pid" 2>/dev/null || true
}
trap cleanup EXIT
if mountpoint -q "$work/teefs-data/mount" 2>/dev/null; then fusermount -u -z "$work/teefs-data/mount"; fi
chattr -i "$work/teefs-data/mount" 2>/dev/null || true
rm -rf "$work"; mkdir -p "$work"; cd "$work"
"$here/bin/teefs" up --plain > up.log 2>&1 &
up_pid=$!
for _ in $(seq 300); do grep -q "disk2 connected" up.log 2>/dev/null && grep -q "disk1 connected" up.log && break; sleep 0.2; done
grep -q "disk2 connected" up.log || { cat up.log; exit 1; }
python3 - "$n" teefs-data/mount teefs-data/mirrors/disk1 teefs-data/mirrors/disk2 <<'PY'
import os, sys, time, statistics
n, mount, drives = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
def arrived(name, data):
    for d in drives:
        try:
            with open(os.path.join(d, name), 'rb') as f:
                if f.read() != data: return False
        except OSError:
            return False
    return True
lags = []
for i in range(n + 20):
    name, data = 'lag%05d' % i, os.urandom(512)
    with open(os.path.join(mount, name), 'wb') as f: f.write(data)
    t0 = time.perf_counter()
    while not arrived(name, data):
        time.sleep(0.0002)
    if i >= 20: lags.append((time.perf_counter() - t0) * 1000)   # the first 20 warm the JITs
    time.sleep(0.01)
lags.sort()
q = lambda p: lags[min(len(lags) - 1, int(p * len(lags)))]
print('single writes: n=%d  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms' % (len(lags), q(.5), q(.9), q(.99), lags[-1]))
os.makedirs(os.path.join(mount, 'burst'))
time.sleep(0.5)
for i in range(1000):
    with open(os.path.join(mount, 'burst', 'b%04d' % i), 'wb') as f: f.write(b'x' * 100)
t0 = time.perf_counter()
while not all(os.path.exists(os.path.join(d, 'burst', 'b0999')) and len(os.listdir(os.path.join(d, 'burst'))) == 1000
              for d in drives):
    time.sleep(0.0005)
print('burst of 1000 files: all on both drives %.1f ms after the last write returned' % ((time.perf_counter() - t0) * 1000))
PY
