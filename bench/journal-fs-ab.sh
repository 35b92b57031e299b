#!/usr/bin/env bash
# A/B of two teefs builds against bindfs, alternating in every round (bindfs, A, B) so disk and CPU noise hits all
# alike: sequential write of a 1 GiB file (1 MiB writes), its read back through the mount (STORE's page cache warm),
# and 20,000 small files created (as bench/journal-fs.sh). MB/s (files/s), and the CPU seconds the peer process
# (bindfs, the journal JVM) spent on each.
# Usage: bench/journal-fs-ab.sh TEEFS_A TEEFS_B [ROUNDS=5] [WORKDIR=/var/tmp/teefs-ab]   (root)
#   TEEFS_A/B: bin/teefs launchers of two builds (copy one build's bin/ and cli/target/ aside to keep it)
# TEEFS_ARGS_A / TEEFS_ARGS_B add journal flags to one side (default --sync batch, as bench/journal-fs.sh).
set -euo pipefail
a=$1 b=$2 rounds=${3:-5} work=${4:-/var/tmp/teefs-ab}
[[ $EUID -eq 0 ]] || { echo "run as root" >&2; exit 2; }
pids=(); declare -A pid
cleanup() {
  for m in bindfs a b; do fusermount -u -z "$work/$m-mount" 2>/dev/null || true; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
rm -rf "$work"; mkdir -p "$work"/{bindfs,a,b}-{store,mount}
start() { # NAME LAUNCHER ARGS: a fresh queue each round (side files would fill the disk), warmed with 2 GiB (C2 still compiles after 1)
  fusermount -u "$work/$1-mount" 2>/dev/null || true
  rm -rf "$work/$1-queue" "$work/$1-store"/*
  local sync="--sync batch"; [[ "$3" == *--sync* ]] && sync=""
  "$2" journal --store "$work/$1-store" --mount "$work/$1-mount" --queue "$work/$1-queue" $sync $3 \
    > "$work/$1.log" 2>&1 & pids+=($!); pid[$1]=$!
  for i in $(seq 150); do mountpoint -q "$work/$1-mount" && break; sleep 0.1; done
  mountpoint -q "$work/$1-mount" || { cat "$work/$1.log"; exit 1; }
  dd if=/dev/zero of="$work/$1-mount/warm" bs=1M count=2048 status=none; rm -f "$work/$1-mount/warm"
}
stop() { # NAME
  fusermount -u "$work/$1-mount" 2>/dev/null || fusermount -u -z "$work/$1-mount" || true
  for i in $(seq 100); do kill -0 "${pid[$1]}" 2>/dev/null || break; sleep 0.1; done
}
bindfs -o big_writes "$work/bindfs-store" "$work/bindfs-mount"
pid[bindfs]=$(pgrep -n -x bindfs)
now() { date +%s.%N; }
source "$(dirname "$(readlink -f "$0")")/lib/small-files.sh"
cpu() { awk '{print $14 + $15}' "/proc/${pid[$1]}/stat"; } # user+system ticks of a peer's whole process
results="$work/results.tsv"; : > "$results"
for round in $(seq "$rounds"); do
  start a "$a" "${TEEFS_ARGS_A:-}"; start b "$b" "${TEEFS_ARGS_B:-}"
  for m in bindfs a b; do
    d="$work/$m-mount"
    rm -f "$d/big"; sync
    c0=$(cpu $m); t0=$(now); dd if=/dev/zero of="$d/big" bs=1M count=1024 status=none; t1=$(now); c1=$(cpu $m)
    echo -e "$round\t$m\twrite\t$(echo "1024 / ($t1 - $t0)" | bc -l)" >> "$results"
    echo -e "$round\t$m\twrite_cpu_s\t$(echo "($c1 - $c0) / $(getconf CLK_TCK)" | bc -l)" >> "$results"
    sync; echo 3 > /proc/sys/vm/drop_caches; cat "$work/$m-store/big" > /dev/null
    c0=$(cpu $m); t0=$(now); dd if="$d/big" of=/dev/null bs=1M status=none; t1=$(now); c1=$(cpu $m)
    echo -e "$round\t$m\tread\t$(echo "1024 / ($t1 - $t0)" | bc -l)" >> "$results"
    echo -e "$round\t$m\tread_cpu_s\t$(echo "($c1 - $c0) / $(getconf CLK_TCK)" | bc -l)" >> "$results"
    rm -f "$d/big"; sync
    c0=$(cpu $m); t0=$(now); small_files "$d" "small-$round"; t1=$(now); c1=$(cpu $m)
    echo -e "$round\t$m\tcreate\t$(echo "20000 / ($t1 - $t0)" | bc -l)" >> "$results"
    echo -e "$round\t$m\tcreate_cpu_s\t$(echo "($c1 - $c0) / $(getconf CLK_TCK)" | bc -l)" >> "$results"
  done
  stop a; stop b
done
python3 - "$results" <<'PY'
import sys, statistics, collections
rows = [l.split('\t') for l in open(sys.argv[1]).read().split('\n') if l]
by = collections.defaultdict(dict)
for r, m, metric, v in rows: by[(metric, m)][int(r)] = float(v)
print('%-11s %8s %8s %8s %8s %8s   per-round B/bindfs' % ('median', 'bindfs', 'A', 'B', 'A/bindfs', 'B/bindfs'))
for metric in ['write', 'read', 'create', 'write_cpu_s', 'read_cpu_s', 'create_cpu_s']:
    med = {m: statistics.median(by[(metric, m)].values()) for m in ['bindfs', 'a', 'b']}
    rs = sorted(by[(metric, 'a')])
    ra = statistics.median([by[(metric, 'a')][r] / by[(metric, 'bindfs')][r] for r in rs])
    rb = statistics.median([by[(metric, 'b')][r] / by[(metric, 'bindfs')][r] for r in rs])
    per = ' '.join('%.2f' % (by[(metric, 'b')][r] / by[(metric, 'bindfs')][r]) for r in rs)
    print('%-11s %8.2f %8.2f %8.2f %8.2f %8.2f   %s' % (metric, med['bindfs'], med['a'], med['b'], ra, rb, per))
PY
