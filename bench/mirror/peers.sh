#!/usr/bin/env bash
# teefs against the tools people use instead, in one run, alternating per round so disk and CPU noise hits both:
#
#   1. apply   `teefs replay` of a journal vs `cp -a` and `rsync -aH` of the same tree onto an empty directory:
#              wall time -> MB/s and files/s, CPU time (wait4: every process of the peer), and teefs' fixed cost
#              (a replay of the journal's first record only: JVM start, opening the journal), and the records
#              alone as teefs replay times them (first to last, the start left out: what a running mirror pays)
#   2. boot    a late mirror, `teefs mirror --bootstrap --source STORE` against a running `teefs broadcast` of that
#              journal, until its bootstrap window is applied (the copy, the records since its head index, the
#              hard-link audit), vs `rsync -aHAX --inplace --delete STORE/ EMPTY/`; teefs' time is split into start
#              (JVM, server status), its own rsync, restating directory times (only when files vanished), and the rest
#   3. lag     `teefs up` (default layout: journal, broadcaster, two mirrors) vs lsyncd (default.rsync, delay = 0,
#              archive + hard_links) syncing a plain directory to two targets: two sync{} blocks, the same fan-out as
#              teefs' two mirrors. Both run throughout; rounds alternate which one is measured. A 512-byte file is
#              written (teefs: on its mount; lsyncd: in its source directory), then the time from close() returning
#              to the same bytes on both targets (0.2 ms polling), one at a time with 10 ms pauses, after 20 warm-up
#              files each: p50/p90/p99/max. Then per round a burst of --burst files written back to back: time from
#              the last close() to all of them on both targets, and from the first write (this one includes
#              writing them, through FUSE for teefs). Also CPU: idle (5 s) and over the whole phase.
#
# The tree (1, 2) is generated, deterministic (seeded), and written through a `teefs journal` mount, so STORE
# is the tree and QUEUE its journal: SMALL files of 16 B .. 64 KiB (log-uniform; 2% empty; 10% mode 0755, 5% 0600)
# in SMALL/50 directories up to 5 deep, the big files (--big, MiB each, 1 MiB writes) under big/, SMALL/20 symlinks
# (to files, to directories, 5% dangling) and SMALL/40 extra hard-link names. No xattrs (`rsync -aH` would not copy
# them). Page cache: warm for every peer (the tree and the journal are read in full before each round); targets
# are on WORKDIR's filesystem; no peer syncs the target (`sync` runs between timings, outside them).
# Every copy is checked with `teefs verify` against the tree; a wrong copy stops the run (exit 1). lsyncd's
# targets differ in directory mtimes (its rsync gets a --files-from list and leaves parents' times alone): that
# alone is reported and tolerated.
#
# Usage: bench/mirror/peers.sh [options]        (root; build first: mvn -q -DskipTests package)
#   --rounds R      rounds per measure, peers alternate their order each round         (default 3)
#   --small N       small files in the tree                                               (default 20000)
#   --big LIST      big files, MiB each, comma-separated ('' for none)                  (default 10,25,50,100)
#   --singles N     single-file writes per system for the lag percentiles (+20 warm-up)   (default 200)
#   --burst N       files in each burst (one burst per system per round)                  (default 1000)
#   --only LIST     any of apply,boot,lag                                        (default apply,boot,lag)
#   --work DIR      scratch directory, wiped at the start; one run at a time (DIR.lock)
#                                                                              (default /var/tmp/teefs-peers)
#   --keep          leave the trees in DIR at the end (logs and results.tsv are always kept)
#   --target-fs K   where each copy goes (apply, boot): 'workdir', a directory of its own on WORKDIR's filesystem;
#                   or 'fresh', a new ext4 made for it (mkfs.ext4 defaults but for the inode count, journal on, on a
#                   loop device over a sparse file in WORKDIR), as a new pool drive would be: every peer meets
#                   the same empty filesystem, not one still busy with the last copy's deletions (default workdir)
#   -h, --help      this text
# Needs: root, bin/teefs built, rsync, python3, fusermount, chattr, setsid, flock; lsyncd for lag.
# Size: the default tree is ~340 MB (20,000 small files average ~7 KB, plus 185 MiB of big files).
# Runtime: defaults not yet timed on a quiet machine (estimate 5-8 min, mostly writing the tree through FUSE and
# the verifies); the recorded run in docs/BENCHMARKS.md (--small 5000 --big 10,50 --singles 150) took 307 s at load
# average 2.5-6.7.
# Output: RESULT lines (one per measure: each system's median over rounds), then a table of ratios, each the
# median of the per-round ratios (teefs vs the peer measured next to it in the same round).
# Cleanup (also on SIGINT/SIGTERM): stops every process it started, by pid (teefs up: SIGTERM, then its roles),
# unmounts, removes `teefs up`'s seal (chattr -i) on its mount point. After a SIGKILL, the next run with the
# same --work stops the leftovers by their recorded pids and unmounts.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
rounds=3 small=20000 big=10,25,50,100 singles=200 burst=1000 only=apply,boot,lag work=/var/tmp/teefs-peers keep=0
target_fs=workdir
while (($#)); do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --small) small=$2; shift 2 ;;
    --big) big=$2; shift 2 ;;
    --singles) singles=$2; shift 2 ;;
    --burst) burst=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --target-fs) target_fs=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "peers.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
for v in rounds small singles burst; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || { echo "peers.sh: --$v needs a positive integer, got '${!v}'" >&2; exit 2; }
done
[[ $big =~ ^([0-9]+(,[0-9]+)*)?$ ]] || { echo "peers.sh: --big needs MiB sizes like 10,100, got '$big'" >&2; exit 2; }
want() { [[ ,$only, == *,$1,* ]]; }
[[ $target_fs == workdir || $target_fs == fresh ]] || { echo "peers.sh: --target-fs: 'workdir' or 'fresh', got '$target_fs'" >&2; exit 2; }
for o in ${only//,/ }; do [[ $o == apply || $o == boot || $o == lag ]] || { echo "peers.sh: --only: unknown '$o'" >&2; exit 2; }; done
[[ $EUID -eq 0 ]] || { echo "peers.sh: run as root (FUSE mounts, chattr, files owned by others)" >&2; exit 2; }
here="$(cd "$(dirname "$0")/../.." && pwd)"
teefs="$here/bin/teefs"
[[ -f $here/cli/target/teefs-cli.jar ]] || { echo "peers.sh: build first: (cd $here && mvn -q -DskipTests package)" >&2; exit 2; }
for tool in rsync python3 fusermount chattr setsid flock bc; do
  command -v $tool >/dev/null || { echo "peers.sh: $tool is needed" >&2; exit 2; }
done
if [[ $target_fs == fresh ]]; then
  for tool in mkfs.ext4 losetup mountpoint; do
    command -v $tool >/dev/null || { echo "peers.sh: $tool is needed for --target-fs fresh: apt-get install e2fsprogs mount" >&2; exit 2; }
  done
fi
if want lag; then command -v lsyncd >/dev/null || { echo "peers.sh: lsyncd is needed for lag: apt-get install lsyncd" >&2; exit 2; }; fi

# ---- cleanup: every process this script started, by pid; every mount; the seal `teefs up` puts on its mount point
pids=()          # "pid name" of background processes, stopped newest first
up_pid='' up_children='' fg_pgid=''
track() { echo "$1" >> "$work/pids"; }   # for the next run, should this one be killed with SIGKILL
run() {          # CMD...: in its own process group, waited for: a signal to this script then runs cleanup at once
  setsid "$@" <&0 9>&- &   # (bash defers traps while a foreground command runs), and cleanup ends that group
  fg_pgid=$!; track "$fg_pgid"
  local rc=0; wait "$fg_pgid" || rc=$?
  fg_pgid=''
  return $rc
}
stop_pid() {     # PID NAME [SECONDS=20]: SIGTERM, wait, then SIGKILL
  local pid=${1:-} name=${2:-} t=${3:-20} i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < t * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then echo "peers.sh: $name ($pid) ignored SIGTERM for ${t}s: SIGKILL" >&2; kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}
unmount_target() {    # DIR: a filesystem --target-fs fresh made (its loop device goes with it: losetup --autoclear)
  if mountpoint -q "$1" 2>/dev/null; then umount "$1" 2>/dev/null || umount -l "$1"; fi
}
unmount_targets() {   # all of them, with their images
  local m
  for m in "$work"/targets/*; do unmount_target "$m"; done
  rm -rf "$work/images"
}
cleanup() {
  local rc=$? p m
  set +e
  trap - EXIT INT TERM
  if [[ -n $fg_pgid ]]; then
    kill -TERM -- -"$fg_pgid" 2>/dev/null
    for ((p = 0; p < 50; p++)); do kill -0 -- -"$fg_pgid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- -"$fg_pgid" 2>/dev/null
  fi
  if [[ -n $up_pid ]]; then
    up_children=$(pgrep -P "$up_pid" | tr '\n' ' ')   # its roles: if it has to be killed, they are stopped by pid
    stop_pid "$up_pid" "teefs up" 30
    for p in $up_children; do stop_pid "$p" "teefs up's child" 10; done
  fi
  for ((p = ${#pids[@]} - 1; p >= 0; p--)); do stop_pid ${pids[p]:-}; done
  for m in "$work/apply/mount" "$work/lag/teefs-data/mount"; do
    mountpoint -q "$m" 2>/dev/null && fusermount -u -z "$m"
  done
  unmount_targets
  chattr -i "$work/lag/teefs-data/mount" 2>/dev/null
  if ((keep == 0)) && [[ -d $work ]]; then
    rm -rf "$work"/apply "$work"/lag/teefs-data "$work"/lag/lsyncd "$work"/targets
  fi
  ((rc == 0)) || echo "peers.sh: failed (exit $rc); logs in $work" >&2
  exit $rc
}
# ---- one run per WORKDIR; a previous run killed hard may have left processes, mounts and the seal
mkdir -p "$work"
exec 9> "$work.lock"
flock -n 9 || { echo "peers.sh: another run is using $work ($work.lock is locked)" >&2; exit 2; }
trap cleanup EXIT    # from here on: this run owns WORKDIR (background processes get no copy of fd 9: 9>&-)
trap 'exit 130' INT
trap 'exit 143' TERM
if [[ -f $work/pids ]]; then
  while read -r pid; do   # only processes of that run: the pid it recorded, still running in or on WORKDIR
    if [[ -r /proc/$pid/cmdline ]] && { tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$work" \
         || [[ $(readlink "/proc/$pid/cwd") == "$work"* ]]; }; then
      echo "peers.sh: stopping pid $pid, left running by an earlier run" >&2
      kill -TERM "$pid" 2>/dev/null || true; sleep 2; kill -KILL "$pid" 2>/dev/null || true
    fi
  done < "$work/pids"
fi
for m in "$work/apply/mount" "$work/lag/teefs-data/mount"; do
  if mountpoint -q "$m" 2>/dev/null; then fusermount -u -z "$m"; fi
done
unmount_targets
chattr -i "$work/lag/teefs-data/mount" 2>/dev/null || true
rm -rf "${work:?}"/*; mkdir -p "$work"/{apply,targets,lag,logs}
results="$work/results.tsv"; : > "$results"
log=$work/logs
now() { date +%s.%N; }
record() { echo -e "$1\t$2\t$3\t$4" >> "$results"; }   # ROUND MEASURE SYSTEM VALUE
fail() { echo "peers.sh: $*" >&2; exit 1; }
verify() {  # REF COPY WHAT [dir-mtimes]: a wrong copy is not a result
  "$teefs" verify "$1" "$2" > "$log/verify.out" 2>&1 && return 0
  # lsyncd's rsync gets a --files-from list of what changed: it does not restamp the parent directories, so their
  # mtimes differ; with dir-mtimes that (and only that) is reported and tolerated
  if [[ ${4:-} == dir-mtimes ]] && python3 - "$1" "$log/verify.out" "$2" <<'PY'
import os, re, sys
ref, lines, copy = sys.argv[1], open(sys.argv[2]).read().splitlines(), sys.argv[3]
diffs = [l for l in lines if l and not re.match(r'^\d+ differences? between ', l)]
ok = [l for l in diffs if ': mtime: ' in l and os.path.isdir(os.path.join(ref, l.split(': mtime: ')[0]))]
if len(ok) != len(diffs) or not diffs: sys.exit(1)
print('  note: %s: %d directory mtimes differ (%s), all else identical' % (copy, len(ok), ', '.join(
    l.split(': mtime: ')[0] for l in ok[:4]) + (', ...' if len(ok) > 4 else '')))
PY
  then return 0; fi
  head -20 "$log/verify.out" >&2
  fail "$3: teefs verify $1 $2 found differences (above): this run measured a wrong copy"
}
timed() {  # CMD...: runs it (stdout discarded); sets $wall (s) and $cpu (user+sys s of it and every process it waited
  local rc=''   # for, from wait4: rsync's and cp's helpers, the JVM's threads); fails with the command's exit status
  wall='' cpu=''
  run python3 -c 'import os, subprocess, sys, time
t0 = time.perf_counter(); p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, st, ru = os.wait4(p.pid, 0); p.returncode = 0
print("%.6f %.6f %d" % (time.perf_counter() - t0, ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(st)))' "$@" \
    > "$work/timed.out" || return 1
  read -r wall cpu rc < "$work/timed.out"
  return "${rc:-1}"
}
cpu_tree() {  # PID: CPU seconds (user+sys) used so far by PID and its descendants, dead ones it waited for included
  python3 - "$1" <<'PY'
import os, sys
tick, kids, stat = os.sysconf('SC_CLK_TCK'), {}, {}
for d in os.listdir('/proc'):
    if d.isdigit():
        try: f = open('/proc/%s/stat' % d).read().rsplit(')', 1)[1].split()
        except OSError: continue
        kids.setdefault(int(f[1]), []).append(int(d)); stat[int(d)] = sum(int(x) for x in f[11:15])
todo, total = [int(sys.argv[1])], 0
while todo:
    p = todo.pop(); total += stat.get(p, 0); todo += kids.get(p, [])
print('%.2f' % (total / tick))
PY
}
warm() { find "$@" -type f -exec cat {} + > /dev/null; }   # page cache warm for the tree and the journal
# Every copy gets a directory of its own; they are deleted only after a whole measure. On ext4 (without a journal
# here) creating files right after tens of thousands were deleted costs whoever comes next (inodes freed in the
# last 30 s are skipped, see journal-fs.sh): it made later rounds' copies 2-11x slower than the first round's.
# With --target-fs fresh each directory is instead the root of a new ext4 (1.5x the tree's data plus 256 MiB, and
# twice the tree's names in inodes), on a loop device with direct I/O (its pages are not cached twice), unmounted
# and deleted once its copy is verified: a big file deleted, not a tree, and the page cache does not fill with
# earlier copies.
slot=0
fresh() {
  slot=$((slot + 1)); mkdir -p "$work/targets/$slot"
  if [[ $target_fs == fresh ]]; then
    local img=$work/images/$slot.img dev
    mkdir -p "$work/images"; truncate -s $(((tbytes * 3 / 2 >> 20) + 256))M "$img"
    # inodes for every name twice over: the default (one per 16 KiB) runs out on trees of small files
    mkfs.ext4 -q -F -N $(((tfiles + tdirs + tlinks) * 2 + 16384)) "$img" || fail "mkfs.ext4 $img failed"
    dev=$(losetup -f --show --direct-io=on "$img") || fail "losetup $img failed (no free loop device?)"
    mount "$dev" "$work/targets/$slot" || { losetup -d "$dev"; fail "cannot mount $dev ($img) on $work/targets/$slot"; }
    losetup -d "$dev"   # detached once unmounted (autoclear)
    rmdir "$work/targets/$slot/lost+found"
  fi
  sync
}
done_with_target() {
  if [[ $target_fs == fresh ]]; then unmount_target "$work/targets/$slot"; rm -f "$work/images/$slot.img"; fi
}
clear_targets() { unmount_targets; rm -rf "$work/targets"; mkdir -p "$work/targets"; sync; }

load0=$(cut -d' ' -f1-3 /proc/loadavg); started=$SECONDS
echo "peers.sh $(date -u '+%Y-%m-%d %H:%M UTC') on $(hostname): nproc $(nproc), kernel $(uname -r), load average $load0"
echo "  $(java -version 2>&1 | head -1); $(rsync --version | head -1 | sed 's/  */ /g'); $(cp --version | head -1)"
want lag && echo "  lsyncd $(lsyncd --version 2>&1 | sed -n 's/Version: //p')"
echo "  workdir $work on $(df -T "$work" | awk 'NR==2 {print $1 " (" $2 ")"}'), commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "  rounds $rounds, tree: $small small files + big [$big] MiB; singles $singles, burst $burst; measures: $only"
echo "  copies go to: $([[ $target_fs == fresh ]] && echo "a new ext4 each (loop device, journal on)" || echo "directories on the workdir's filesystem")"

# ==== the tree, written through a teefs journal mount ===========================================================
if want apply || want boot; then
  A=$work/apply
  "$teefs" journal --store "$A/store" --mount "$A/mount" --queue "$A/queue" --sync batch > "$log/journal.log" 2>&1 9>&- &
  journal_pid=$!; pids+=("$journal_pid journal"); track $journal_pid
  for _ in $(seq 300); do mountpoint -q "$A/mount" && break; kill -0 $journal_pid 2>/dev/null || break; sleep 0.1; done
  mountpoint -q "$A/mount" || { cat "$log/journal.log"; fail "teefs journal did not mount"; }
  t0=$(now)
  run python3 - "$A/mount" "$small" "$big" <<'PY'
import os, random, sys
root, nsmall, bigs = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3].split(',') if x]
rnd = random.Random(20261123)
blob = rnd.randbytes(8 << 20)
dirs = ['']
for i in range(max(1, nsmall // 50)):             # a tree up to 5 deep: each new directory under a random one
    parent = rnd.choice([d for d in dirs[-200:] if d.count('/') < 4] or [''])
    d = os.path.join(parent, 'd%04d' % i); os.mkdir(os.path.join(root, d)); dirs.append(d)
files = []
for i in range(nsmall):
    d = rnd.choice(dirs); p = os.path.join(d, 'f%05d.%s' % (i, rnd.choice(['txt', 'html', 'py', 'gz', 'json', 'c'])))
    size = 0 if rnd.random() < 0.02 else int(16 * 4096 ** rnd.random())     # log-uniform 16 B .. 64 KiB
    off = rnd.randrange(len(blob) - size)
    with open(os.path.join(root, p), 'wb') as f: f.write(blob[off:off + size])
    r = rnd.random(); os.chmod(os.path.join(root, p), 0o755 if r < 0.10 else 0o600 if r < 0.15 else 0o644)
    files.append(p)
if bigs: os.mkdir(os.path.join(root, 'big'))
for i, mib in enumerate(bigs):                    # 1 MiB writes, as cp and most tools do
    with open(os.path.join(root, 'big', 'big%d.bin' % i), 'wb') as f:
        for c in range(mib):
            off = rnd.randrange(len(blob) - (1 << 20)); f.write(blob[off:off + (1 << 20)])
for i in range(nsmall // 20):                     # symlinks: relative, to files and directories, 5% dangling
    d = rnd.choice(dirs); r = rnd.random()
    to = 'missing-%d' % i if r < 0.05 else rnd.choice(dirs[1:] or ['']) if r < 0.2 else rnd.choice(files)
    os.symlink(os.path.relpath(to or '.', d or '.') if not to.startswith('missing') else to,
               os.path.join(root, d, 'l%05d' % i))
for i in range(nsmall // 40):                     # extra names for existing files (hard links)
    os.link(os.path.join(root, rnd.choice(files)), os.path.join(root, rnd.choice(dirs), 'h%05d' % i))
PY
  t1=$(now)
  # stop the journal: STORE (the tree) and QUEUE (its journal) hold still from here on
  stop_pid "$journal_pid" journal
  mountpoint -q "$A/mount" && fail "teefs journal did not unmount"
  read -r tfiles tdirs tlinks tbytes < <(python3 - "$A/store" <<'PY'
import os, sys
files = dirs = links = size = 0; seen = set()
for top, ds, fs in os.walk(sys.argv[1]):
    dirs += len(ds)
    for f in fs:
        st = os.lstat(os.path.join(top, f))
        if os.path.islink(os.path.join(top, f)): links += 1; continue
        files += 1
        if (st.st_dev, st.st_ino) not in seen: seen.add((st.st_dev, st.st_ino)); size += st.st_size
print(files, dirs, links, size)
PY
)
  tentries=$((tfiles + tlinks))
  printf 'tree: %d file names (incl. hard links) + %d symlinks in %d directories, %.1f MB of data (each inode once);\n' \
    "$tfiles" "$tlinks" "$tdirs" "$(echo "$tbytes / 1000000" | bc -l)"
  printf '  written through the teefs journal mount in %.1f s; journal %s\n' "$(echo "$t1 - $t0" | bc -l)" \
    "$(du -sh "$A/queue" | cut -f1)"
fi

# ==== 1. apply: teefs replay vs cp -a vs rsync -aH ==============================================================
if want apply; then
  echo "== apply: teefs replay of the journal vs cp -a vs rsync -aH of the tree (page cache warm, no sync timed)"
  peers=(teefs cp rsync)
  first=$({ "$teefs" dump --queue "$A/queue" || true; } | head -1 | cut -d' ' -f1)
  for r in $(seq "$rounds"); do
    warm "$A/store" "$A/queue"
    for k in 0 1 2; do                           # rotate the order: round 1 teefs cp rsync, round 2 cp rsync teefs...
      p=${peers[$(( (k + r - 1) % 3 ))]}
      fresh; dst=$work/targets/$slot/$p
      case $p in
        teefs) mkdir "$dst"          # the fixed cost first: start, open the journal, apply its first record
               timed "$teefs" replay --queue "$A/queue" --target "$dst" --until "$first" 2> "$log/replay.err" \
                 || { tail "$log/replay.err"; fail "teefs replay --until $first failed"; }
               record "$r" replay_1record_s teefs "$wall"; record "$r" replay_1record_cpu_s teefs "$cpu"
               rm -rf "$dst"; mkdir "$dst"
               timed "$teefs" replay --queue "$A/queue" --target "$dst" 2> "$log/replay.err" \
                 || { tail "$log/replay.err"; fail "teefs replay failed"; }
               # its own timing of the records alone, from the first to the last: what a running mirror pays
               phase=$(sed -n 's/.* records applied onto .* in \([0-9.]*\) s, last index.*/\1/p' "$log/replay.err")
               [[ -n $phase ]] || { tail "$log/replay.err"; fail "teefs replay printed no timing"; }
               record "$r" apply_records_s teefs "$phase" ;;
        cp)    timed cp -a "$A/store" "$dst" || fail "cp -a failed" ;;
        rsync) timed rsync -aH "$A/store/" "$dst/" || fail "rsync -aH failed" ;;
      esac
      s=$wall
      record "$r" apply_s "$p" "$s"; record "$r" apply_cpu_s "$p" "$cpu"
      record "$r" apply_MBps "$p" "$(echo "$tbytes / 1000000 / $s" | bc -l)"
      record "$r" apply_files_per_s "$p" "$(echo "$tentries / $s" | bc -l)"
      printf '  round %d %-6s %7.2f s, CPU %6.2f s\n' "$r" "$p" "$s" "$cpu"
      sync
      verify "$A/store" "$dst" "apply ($p, round $r)"
      done_with_target
    done
  done
  clear_targets
fi

# ==== 2. boot: a late mirror's bootstrap vs plain rsync ==========================================================
if want boot; then
  echo "== boot: teefs mirror --bootstrap (until its window is applied) vs rsync -aHAX --inplace --delete"
  "$teefs" broadcast --queue "$A/queue" --listen "unix:$A/b.sock" > "$log/broadcast.log" 2>&1 9>&- &
  bcast_pid=$!; pids+=("$bcast_pid broadcast"); track $bcast_pid
  for _ in $(seq 300); do [[ -S $A/b.sock ]] && break; kill -0 $bcast_pid 2>/dev/null || break; sleep 0.1; done
  [[ -S $A/b.sock ]] || { cat "$log/broadcast.log"; fail "teefs broadcast did not listen"; }
  for r in $(seq "$rounds"); do
    warm "$A/store"
    if ((r % 2)); then order="teefs rsync"; else order="rsync teefs"; fi
    for p in $order; do
      fresh; dst=$work/targets/$slot/$p/tree; mkdir -p "$work/targets/$slot/$p"
      if [[ $p == teefs ]]; then
        # time from the start of the process to "bootstrap window applied"; then SIGTERM (it saves its position)
        run python3 - "$teefs" "$A/b.sock" "$dst" "$A/store" "boot$r" "$log/boot$r.log" > "$work/boot.out" <<'PY'
import os, signal, subprocess, sys, threading, time
teefs, sock, dst, store, name, logf = sys.argv[1:]
with open(logf, 'w') as log:
    t0 = time.perf_counter()
    p = subprocess.Popen([teefs, 'mirror', '--connect', 'unix:' + sock, '--target', dst, '--name', name,
                          '--state', dst + '.state', '--bootstrap', '--source', store],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    watchdog = threading.Timer(1800, p.kill)       # a mirror that never streams must not hang the run
    watchdog.daemon = True; watchdog.start()
    t = copying = rsynced = copied = None
    for line in p.stdout:
        now = time.perf_counter() - t0
        log.write(line); log.flush()
        if ': bootstrap: queue ' in line and copying is None: copying = now   # JVM up, server's head known
        if line.startswith('total size is ') and rsynced is None: rsynced = now  # rsync's last line (--info=stats1)
        if ': bootstrap: copy done' in line and copied is None: copied = now  # and directory times restated
        if ': bootstrap window applied' in line and t is None:
            t = now
            p.send_signal(signal.SIGTERM)
    _, st, ru = os.wait4(p.pid, 0); p.returncode = os.waitstatus_to_exitcode(st)
if t is None or copying is None or copied is None:
    sys.exit('teefs mirror exited %d before its bootstrap window was applied: see %s' % (p.returncode, logf))
# CPU: the mirror's JVM and its rsync, to its exit (a few ms after the window: it saves its position and stops)
if rsynced is None: rsynced = copied              # (rsync printed no summary: count it all as rsync)
print('%.4f %.4f %.4f %.4f %.4f %.4f' % (t, ru.ru_utime + ru.ru_stime, copying, rsynced - copying, copied - rsynced,
                                         t - copied))
PY
        s=''; read -r s cpu s_start s_rsync s_restate s_rest < "$work/boot.out" || true
        [[ -n $s ]] || fail "bootstrap round $r: see $log/boot$r.log"
        record "$r" boot_start_s teefs "$s_start"; record "$r" boot_rsync_s teefs "$s_rsync"
        record "$r" boot_restate_s teefs "$s_restate"; record "$r" boot_rest_s teefs "$s_rest"
      else
        mkdir "$dst"
        timed rsync -aHAX --inplace --delete "$A/store/" "$dst/" || fail "rsync -aHAX failed"
        s=$wall; c=$cpu
        # teefs' copy is durable when it streams (syncfs before its position is saved): rsync's, once synced
        timed sync -f "$dst/" || fail "sync -f $dst failed"
        record "$r" boot_durable_s rsync "$(python3 -c "print($s + $wall)")"; cpu=$c
      fi
      [[ $p == teefs ]] && record "$r" boot_durable_s teefs "$s"
      record "$r" boot_s "$p" "$s"; record "$r" boot_cpu_s "$p" "$cpu"
      if [[ $p == teefs ]]; then
        printf '  round %d %-6s %7.2f s, CPU %6.2f s (start %.2f s, rsync %.2f s, then to a durable copy %.2f s, to the window applied %.2f s)\n' \
          "$r" "$p" "$s" "$cpu" "$s_start" "$s_rsync" "$s_restate" "$s_rest"
      else
        printf '  round %d %-6s %7.2f s, CPU %6.2f s\n' "$r" "$p" "$s" "$cpu"
      fi
      sync
      verify "$A/store" "$dst" "boot ($p, round $r)"
      done_with_target
    done
  done
  clear_targets
  stop_pid "$bcast_pid" broadcast
fi

# ==== 3. lag: teefs up vs lsyncd (two targets each) ==============================================================
if want lag; then
  echo "== lag: teefs up (journal + broadcaster + 2 mirrors) vs lsyncd default.rsync delay=0 (2 targets)"
  L=$work/lag
  mkdir -p "$L"/lsyncd/{src,t1,t2}
  (cd "$L" && exec "$teefs" up --plain) > "$log/up.log" 2>&1 9>&- &
  up_pid=$!; track $up_pid
  cat > "$L/lsyncd/lsyncd.conf" <<EOF
-- written by bench/mirror/peers.sh: the usual lsyncd setup, rsync mode, no batching delay, one sync per target
settings { nodaemon = true, logfile = "$log/lsyncd.log", statusFile = "$L/lsyncd/status", insist = false }
sync { default.rsync, source = "$L/lsyncd/src", target = "$L/lsyncd/t1", delay = 0,
       rsync = { archive = true, hard_links = true } }
sync { default.rsync, source = "$L/lsyncd/src", target = "$L/lsyncd/t2", delay = 0,
       rsync = { archive = true, hard_links = true } }
EOF
  lsyncd "$L/lsyncd/lsyncd.conf" > "$log/lsyncd.out" 2>&1 9>&- &
  lsyncd_pid=$!; pids+=("$lsyncd_pid lsyncd"); track $lsyncd_pid
  for _ in $(seq 600); do
    grep -q "disk1 connected" "$log/up.log" 2>/dev/null && grep -q "disk2 connected" "$log/up.log" \
      && [[ $(grep -c "Startup of .* finished" "$log/lsyncd.log" 2>/dev/null) -ge 2 ]] && break
    sleep 0.1
  done
  grep -q "disk2 connected" "$log/up.log" && grep -q "disk1 connected" "$log/up.log" \
    || { cat "$log/up.log"; fail "teefs up: the mirrors did not connect"; }
  [[ $(grep -c "Startup of .* finished" "$log/lsyncd.log") -ge 2 ]] || { cat "$log/lsyncd.log" "$log/lsyncd.out"; fail "lsyncd did not start"; }
  sleep 2   # idle cost: CPU of each over 5 s of nothing to do, the same 5 s for both
  cpu0_teefs=$(cpu_tree "$up_pid"); cpu0_lsyncd=$(cpu_tree "$lsyncd_pid"); sleep 5
  record 1 idle_cpu_pct teefs "$(echo "($(cpu_tree "$up_pid") - $cpu0_teefs) * 20" | bc -l)"
  record 1 idle_cpu_pct lsyncd "$(echo "($(cpu_tree "$lsyncd_pid") - $cpu0_lsyncd) * 20" | bc -l)"
  cpu0_teefs=$(cpu_tree "$up_pid"); cpu0_lsyncd=$(cpu_tree "$lsyncd_pid")
  for p in $(pgrep -P "$up_pid"); do track "$p"; done   # its journal, broadcaster and mirrors
  run python3 - "$rounds" "$singles" "$burst" "$results" "$L" <<'PY'
import os, sys, time
rounds, singles, burst, results, L = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
systems = {'teefs': (L + '/teefs-data/mount', [L + '/teefs-data/mirrors/disk1', L + '/teefs-data/mirrors/disk2']),
           'lsyncd': (L + '/lsyncd/src', [L + '/lsyncd/t1', L + '/lsyncd/t2'])}
POLL = 0.0002
def arrived(drives, name, data):
    for d in drives:
        try:
            with open(os.path.join(d, name), 'rb') as f:
                if f.read() != data: return False
        except OSError:
            return False
    return True
def single(system, name):                       # write one 512-byte file; ms until the same bytes are on every target
    src, drives = systems[system]
    data = os.urandom(512)
    with open(os.path.join(src, name), 'wb') as f: f.write(data)
    t0 = time.perf_counter()                     # the write (close) returned
    while not arrived(drives, name, data): time.sleep(POLL)
    ms = (time.perf_counter() - t0) * 1000
    time.sleep(0.01)
    return ms
def burst_ms(system, r):                        # N files back to back; ms from the last close to all on every target
    src, drives = systems[system]
    d = 'burst-r%d' % r; os.makedirs(os.path.join(src, d))
    time.sleep(0.5)
    names = ['b%05d' % i for i in range(burst)]; want = set(names); last = names[-1]
    start = time.perf_counter()
    for n in names:
        with open(os.path.join(src, d, n), 'wb') as f: f.write(b'x' * 100)
    t0 = time.perf_counter()
    def done(drive):                            # every name, and the last file's data (records apply in order;
        try:                                    # rsync renames whole files into place)
            return set(os.listdir(os.path.join(drive, d))) == want and os.stat(os.path.join(drive, d, last)).st_size == 100
        except OSError:
            return False
    while not all(done(x) for x in drives): time.sleep(POLL * 2.5)
    end = time.perf_counter()
    for x in drives:                             # outside the timing: every file complete
        bad = [n for n in names if os.stat(os.path.join(x, d, n)).st_size != 100]
        if bad: sys.exit('%s: %d burst files incomplete on %s' % (system, len(bad), x))
    return (end - t0) * 1000, (end - start) * 1000, (t0 - start) * 1000
out = open(results, 'a')
for s in systems:                               # warm-up (JITs, lsyncd's first rsyncs), not recorded
    for i in range(20): single(s, 'warm%05d' % i)
per = [singles // rounds + (1 if r < singles % rounds else 0) for r in range(rounds)]
k = 0
for r in range(1, rounds + 1):
    order = ['teefs', 'lsyncd'] if r % 2 else ['lsyncd', 'teefs']
    for s in order:
        lags = [single(s, 'lag%05d' % (k + i)) for i in range(per[r - 1])]
        for v in lags: out.write('%d\tlag_ms\t%s\t%f\n' % (r, s, v))
        b, total, writing = burst_ms(s, r)
        out.write('%d\tburst_ms\t%s\t%f\n' % (r, s, b))
        out.write('%d\tburst_total_ms\t%s\t%f\n' % (r, s, total)); out.flush()
        lags.sort()
        print('  round %d %-6s singles n=%d p50 %.2f ms max %.2f ms; burst of %d: written in %.0f ms, all on both'
              ' targets %.0f ms later' % (r, s, len(lags), lags[len(lags) // 2], lags[-1], burst, writing, b), flush=True)
    k += per[r - 1]
PY
  # CPU over the whole lag phase (each system idles while the other one is measured): teefs up with its journal,
  # broadcaster and mirrors; lsyncd with the rsyncs it ran
  record 1 lag_phase_cpu_s teefs "$(echo "$(cpu_tree "$up_pid") - $cpu0_teefs" | bc -l)"
  record 1 lag_phase_cpu_s lsyncd "$(echo "$(cpu_tree "$lsyncd_pid") - $cpu0_lsyncd" | bc -l)"
  sleep 1   # let both settle, then check both ends (teefs: STORE vs each drive; lsyncd: src vs each target)
  for d in disk1 disk2; do verify "$L/teefs-data/store" "$L/teefs-data/mirrors/$d" "lag (teefs $d)"; done
  for d in t1 t2; do verify "$L/lsyncd/src" "$L/lsyncd/$d" "lag (lsyncd $d)" dir-mtimes; done
fi

# ==== summary ===================================================================================================
echo "== results (load average at start $load0, at end $(cut -d' ' -f1-3 /proc/loadavg); run took $((SECONDS - started)) s)"
python3 - "$results" "$rounds" <<'PY'
import collections, statistics, sys
rows = [l.split('\t') for l in open(sys.argv[1]).read().splitlines() if l]
v = collections.defaultdict(lambda: collections.defaultdict(list))   # v[measure][system] = [(round, value)]
for r, m, s, x in rows: v[m][s].append((int(r), float(x)))
med = statistics.median
def per_round(m, a, b, inverse=False):          # median over rounds of a/b (or b/a): noise of a round cancels
    ra, rb = dict(v[m][a]), dict(v[m][b])
    rs = [(rb[r] / ra[r] if inverse else ra[r] / rb[r]) for r in ra if r in rb]
    return med(rs), rs
def q(xs, p): xs = sorted(xs); return xs[min(len(xs) - 1, int(p * len(xs)))]
table = []
def line(measure, unit, systems, vals):
    print('RESULT %-22s %s  (%s)' % (measure, '  '.join('%s=%s' % (s, x) for s, x in zip(systems, vals)), unit))
if 'apply_s' in v:
    n = len(v['apply_s']['teefs'])
    line('apply_MBps', 'MB/s, median of %d rounds' % n, ['teefs', 'cp', 'rsync'],
         ['%.1f' % med([x for _, x in v['apply_MBps'][s]]) for s in ['teefs', 'cp', 'rsync']])
    line('apply_files_per_s', 'names+symlinks/s, median of %d rounds' % n, ['teefs', 'cp', 'rsync'],
         ['%.0f' % med([x for _, x in v['apply_files_per_s'][s]]) for s in ['teefs', 'cp', 'rsync']])
    line('apply_s', 's, median of %d rounds' % n, ['teefs', 'cp', 'rsync'],
         ['%.2f' % med([x for _, x in v['apply_s'][s]]) for s in ['teefs', 'cp', 'rsync']])
    line('apply_cpu_s', 's of CPU (user+sys, all processes), median of %d rounds' % n, ['teefs', 'cp', 'rsync'],
         ['%.2f' % med([x for _, x in v['apply_cpu_s'][s]]) for s in ['teefs', 'cp', 'rsync']])
    line('replay_fixed_s', 's: teefs replay of the first record only (JVM start, opening the journal);'
         ' part of every teefs apply time', ['teefs'], ['%.2f' % med([x for _, x in v['replay_1record_s']['teefs']])])
    line('replay_records_s', 's: the records alone, as teefs replay times them (first record to last; the start'
         ' left out, as in a running mirror)', ['teefs'], ['%.2f' % med([x for _, x in v['apply_records_s']['teefs']])])
    for peer in ['cp', 'rsync']:
        m, rs = per_round('apply_s', 'teefs', peer, inverse=True)
        table.append(('apply speed (MB/s and files/s), teefs/%s' % peer, m, rs, '> 1: teefs faster'))
    for peer in ['cp', 'rsync']:
        v['apply_records_s'][peer] = v['apply_s'][peer]
        m, rs = per_round('apply_records_s', 'teefs', peer, inverse=True)
        table.append(('records alone (no start), teefs/%s' % peer, m, rs, '> 1: teefs faster'))
    for peer in ['cp', 'rsync']:
        m, rs = per_round('apply_cpu_s', 'teefs', peer)
        table.append(('apply CPU time, teefs/%s' % peer, m, rs, '< 1: teefs cheaper'))
if 'boot_s' in v:
    n = len(v['boot_s']['teefs'])
    line('boot_s', 's to a full copy, median of %d rounds' % n, ['teefs', 'rsync'],
         ['%.2f' % med([x for _, x in v['boot_s'][s]]) for s in ['teefs', 'rsync']])
    parts = ['start', 'rsync', 'restate', 'rest']
    line('boot_parts_s', 's, medians, of teefs boot_s: start = process start to "copying" (JVM, server status); rsync ='
         ' its rsync -aHAX --inplace --delete --numeric-ids; restate = from rsync\'s last line to "copy done": the'
         ' head asked again, directory times when restated, syncfs of the copy, the position saved; rest ='
         ' connecting, applying the window, the hard-link audit', parts,
         ['%.2f' % med([x for _, x in v['boot_%s_s' % k]['teefs']]) for k in parts])
    m, rs = per_round('boot_s', 'teefs', 'rsync')
    table.append(('bootstrap time, teefs/rsync', m, rs, '< 1: teefs faster'))
    if 'boot_durable_s' in v:
        m, rs = per_round('boot_durable_s', 'teefs', 'rsync')
        table.append(('bootstrap time, teefs/(rsync + sync -f): both copies durable', m, rs, '< 1: teefs faster'))
    m, rs = per_round('boot_cpu_s', 'teefs', 'rsync')
    table.append(('bootstrap CPU time, teefs/rsync', m, rs, '< 1: teefs cheaper'))
if 'lag_ms' in v:
    lag = {s: [x for _, x in v['lag_ms'][s]] for s in ['teefs', 'lsyncd']}
    for name, p in [('p50', .5), ('p90', .9), ('p99', .99), ('max', 1.0)]:
        a, b = q(lag['teefs'], p), q(lag['lsyncd'], p)
        line('lag_%s_ms' % name, 'ms, write returned -> on both targets, n=%d each' % len(lag['teefs']),
             ['teefs', 'lsyncd'], ['%.2f' % a, '%.2f' % b])
        table.append(('single-write lag %s, teefs/lsyncd' % name, a / b, None, '< 1: teefs faster'))
    line('burst_ms', 'ms, last write -> all on both targets, median of %d rounds' % len(v['burst_ms']['teefs']),
         ['teefs', 'lsyncd'], ['%.0f' % med([x for _, x in v['burst_ms'][s]]) for s in ['teefs', 'lsyncd']])
    line('burst_total_ms', 'ms, first write -> all on both targets (includes writing: teefs through FUSE, lsyncd'
         ' to a plain directory), median of %d rounds' % len(v['burst_ms']['teefs']),
         ['teefs', 'lsyncd'], ['%.0f' % med([x for _, x in v['burst_total_ms'][s]]) for s in ['teefs', 'lsyncd']])
    m, rs = per_round('burst_ms', 'teefs', 'lsyncd')
    table.append(('burst, last write -> all there, teefs/lsyncd', m, rs, '< 1: teefs faster'))
    m, rs = per_round('burst_total_ms', 'teefs', 'lsyncd')
    table.append(('burst, first write -> all there, teefs/lsyncd', m, rs, '< 1: teefs faster'))
    c = {s: v['lag_phase_cpu_s'][s][0][1] for s in ['teefs', 'lsyncd']}
    line('lag_phase_cpu_s', 's of CPU over the whole lag phase (both systems run throughout, each idles while the'
         ' other is measured)', ['teefs', 'lsyncd'], ['%.2f' % c['teefs'], '%.2f' % c['lsyncd']])
    table.append(('CPU over the lag phase, teefs/lsyncd', c['teefs'] / c['lsyncd'], None, '< 1: teefs cheaper'))
    c = {s: v['idle_cpu_pct'][s][0][1] for s in ['teefs', 'lsyncd']}
    line('idle_cpu_pct', '% of one core while idle (5 s before the lag phase, the same 5 s for both; 1 tick = 0.2 %)', ['teefs', 'lsyncd'],
         ['%.1f' % c['teefs'], '%.1f' % c['lsyncd']])
print()
print('| %-46s | %6s | %-22s | %-18s |' % ('ratio', 'median', 'per round', 'reads'))
print('|%s|%s:|%s|%s|' % ('-' * 48, '-' * 7, '-' * 24, '-' * 20))
for name, m, rs, reads in table:
    print('| %-46s | %6.2f | %-22s | %-18s |' % (name, m, ', '.join('%.2f' % x for x in rs) if rs else '(whole run)',
                                             reads))
PY
