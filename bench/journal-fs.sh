#!/usr/bin/env bash
# journal-fs against its peers, in one run, alternating (raw, bindfs, teefs) so disk and CPU noise hits all alike:
#   * sequential write of a 1 GiB file (1 MiB writes, no fsync: the FUSE + journal path, not the disk)
#   * sequential read of it (STORE's page cache warm, the mount's cold: every read crosses FUSE)
#   * creating 20,000 small files (1 KiB) in 100 directories
# Peers: "raw" = the same operations straight on STORE's filesystem; "bindfs" = bindfs (libfuse2, like teefs)
# over another directory of that filesystem, with -o big_writes as teefs uses.
# Usage: bench/journal-fs.sh [ROUNDS=3] [WORKDIR=/var/tmp/teefs-bench]   (root; build first: mvn -q -DskipTests package)
# TEEFS_JOURNAL_ARGS adds flags to teefs journal, e.g. TEEFS_JOURNAL_ARGS="--threads multi"
set -euo pipefail
rounds=${1:-3}
work=${2:-/var/tmp/teefs-bench}
here="$(cd "$(dirname "$0")/.." && pwd)"
teefs="$here/bin/teefs"
command -v bindfs >/dev/null || { echo "bindfs is needed: apt-get install bindfs" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "run as root (drop_caches, mounts)" >&2; exit 2; }

cleanup() {
  fusermount -u -z "$work/teefs-mount" 2>/dev/null || true
  fusermount -u -z "$work/bindfs-mount" 2>/dev/null || true
  [[ -n "${teefs_pid:-}" ]] && kill "$teefs_pid" 2>/dev/null || true
}
trap cleanup EXIT
rm -rf "$work"; mkdir -p "$work"/{raw,bindfs-store,bindfs-mount,teefs-store,teefs-mount}

"$teefs" journal --store "$work/teefs-store" --mount "$work/teefs-mount" --queue "$work/teefs-queue" \
  --sync batch ${TEEFS_JOURNAL_ARGS:-} > "$work/teefs.log" 2>&1 &
teefs_pid=$!
bindfs -o big_writes "$work/bindfs-store" "$work/bindfs-mount"
for i in $(seq 100); do mountpoint -q "$work/teefs-mount" && break; sleep 0.1; done
mountpoint -q "$work/teefs-mount" || { cat "$work/teefs.log"; exit 1; }

declare -A store=([raw]="$work/raw" [bindfs]="$work/bindfs-store" [teefs]="$work/teefs-store")
declare -A dir=([raw]="$work/raw" [bindfs]="$work/bindfs-mount" [teefs]="$work/teefs-mount")
now() { date +%s.%N; }
results="$work/results.tsv"; : > "$results"

source "$(dirname "$(readlink -f "$0")")/lib/small-files.sh"

for round in $(seq "$rounds"); do
  for peer in raw bindfs teefs; do
    d=${dir[$peer]}
    rm -f "$d/big"; sync
    t0=$(now); dd if=/dev/zero of="$d/big" bs=1M count=1024 status=none; t1=$(now)
    echo -e "$round\t$peer\twrite_1GiB_MBps\t$(echo "1024 / ($t1 - $t0)" | bc -l)" >> "$results"
    sync; echo 3 > /proc/sys/vm/drop_caches; cat "${store[$peer]}/big" > /dev/null
    t0=$(now); dd if="$d/big" of=/dev/null bs=1M status=none; t1=$(now)
    echo -e "$round\t$peer\tread_1GiB_MBps\t$(echo "1024 / ($t1 - $t0)" | bc -l)" >> "$results"
    rm -f "$d/big"; sync
    t0=$(now); small_files "$d" "small-$round"; t1=$(now)
    echo -e "$round\t$peer\tcreate_20k_files_per_s\t$(echo "20000 / ($t1 - $t0)" | bc -l)" >> "$results"
  done
done

python3 - "$results" <<'PY'
import sys, statistics, collections
rows = [l.split('\t') for l in open(sys.argv[1]).read().split('\n') if l]
by = collections.defaultdict(list)
for r, peer, metric, v in rows: by[(metric, peer)].append(float(v))
print('%-24s %10s %10s %10s %14s %14s' % ('metric (median)', 'raw', 'bindfs', 'teefs', 'teefs/bindfs', 'teefs/raw'))
for metric in ['write_1GiB_MBps', 'read_1GiB_MBps', 'create_20k_files_per_s']:
    m = {p: statistics.median(by[(metric, p)]) for p in ['raw', 'bindfs', 'teefs']}
    # paired ratios per round, then their median: noise that hits a whole round cancels
    rounds = sorted({int(r) for r, _, mm, _ in rows if mm == metric})
    pair = lambda a, b: statistics.median(
        [float(by[(metric, a)][i]) / float(by[(metric, b)][i]) for i in range(len(rounds))])
    print('%-24s %10.0f %10.0f %10.0f %14.2f %14.2f' % (metric, m['raw'], m['bindfs'], m['teefs'],
          pair('teefs', 'bindfs'), pair('teefs', 'raw')))
PY
du -sh "$work/teefs-queue" | sed 's/^/journal size after the run: /'
