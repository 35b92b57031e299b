#!/usr/bin/env bash
# One big file, end to end through the live pipeline: `teefs up` with its default layout (journal, broadcaster, two
# mirrors, all on WORKDIR's disk) in a scratch directory; a file of MIB MiB of random bytes is written through the
# mount (dd bs=1M), and the script times the write and then how long after the write returned both mirror drives hold
# all of it. The peer, in the same round: `cp` of the same file to two places (two copies, as teefs keeps). At the
# end the last round's copies are compared byte for byte (cmp) with the source.
# Usage: bench/mirror/bigfile.sh [MIB=1024] [ROUNDS=3] [WORKDIR=/var/tmp/teefs-bigfile]
#        (root; build first: mvn -q -DskipTests package)
set -euo pipefail
if [[ ${1:-} == -h || ${1:-} == --help ]]; then sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
mib=${1:-1024}
rounds=${2:-3}
work=${3:-/var/tmp/teefs-bigfile}
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib/up.sh"
start_up "$here/bin/teefs" "$work"
mkdir -p peer
head -c $((mib << 20)) /dev/urandom > src.bin
size=$(stat -c %s src.bin)
now() { date +%s.%N; }
has_all() { [[ $(stat -c %s "$1" 2>/dev/null || echo 0) == "$size" ]]; }
echo "bigfile.sh: ${mib} MiB, ${rounds} rounds; teefs: dd through the mount, then until both drives have it all;" \
     "peer: cp to two places"
for r in $(seq "$rounds"); do
  sync
  t0=$(now); dd if=src.bin of="teefs-data/mount/f$r.bin" bs=1M status=none; t1=$(now)
  until has_all "teefs-data/mirrors/disk1/f$r.bin" && has_all "teefs-data/mirrors/disk2/f$r.bin"; do sleep 0.002; done
  t2=$(now)
  sync
  p0=$(now); cp src.bin "peer/a$r.bin"; cp src.bin "peer/b$r.bin"; p1=$(now)
  awk -v w="$(echo "$t1 - $t0" | bc)" -v c="$(echo "$t2 - $t1" | bc)" -v p="$(echo "$p1 - $p0" | bc)" -v r="$r" \
      'BEGIN{printf "  round %d: teefs write %.2f s + catch-up %.3f s = %.2f s; cp twice %.2f s; teefs/cp time %.2f\n",
             r, w, c, w + c, p, (w + c) / p}'
  rm -f "peer/a$r.bin" "peer/b$r.bin"
done
cmp src.bin "teefs-data/mirrors/disk1/f$rounds.bin" && cmp src.bin "teefs-data/mirrors/disk2/f$rounds.bin" \
  && echo "  both drives' copies of round $rounds are identical to the source (cmp)"
