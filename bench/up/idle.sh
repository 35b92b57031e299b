#!/usr/bin/env bash
# CPU that an idle `teefs up` uses: its default layout (journal, broadcaster, two mirrors) in a scratch directory,
# plain output (as under systemd). Once both mirrors are connected it waits QUIET seconds, then reads each
# process's CPU time (utime + stime from /proc/PID/stat) twice, SECONDS apart, and prints each role's share of one
# core and the total. With --threads, also the busiest threads of the broadcaster (/proc/PID/task/*).
# Usage: bench/up/idle.sh [--threads] [SECONDS=30] [QUIET=30] [WORKDIR=/var/tmp/teefs-idle]
#        (root; build first: mvn -q -DskipTests package)
set -euo pipefail
threads=0
if [[ ${1:-} == --threads ]]; then threads=1; shift; fi
if [[ ${1:-} == -h || ${1:-} == --help ]]; then sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
seconds=${1:-30}
quiet=${2:-30}
work=${3:-/var/tmp/teefs-idle}
here="$(cd "$(dirname "$0")/../.." && pwd)"
hz=$(getconf CLK_TCK)
. "$here/bench/lib/up.sh"
start_up "$here/bin/teefs" "$work"
echo "idle.sh: both mirrors connected; quiet for ${quiet} s, then measuring for ${seconds} s"
sleep "$quiet"
# the supervisor is a shell wrapper's child or the java process itself: take the java process and its children
java_up=$(pgrep -f "teefs.cli.Main up" -n)
pids="$java_up $(pgrep -P "$java_up" | tr '\n' ' ')"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
role() { tr '\0' ' ' < "/proc/$1/cmdline" | grep -o 'Main [a-z]*' | cut -d' ' -f2; }
declare -A before name
for p in $pids; do before[$p]=$(ticks "$p"); name[$p]=$(role "$p"); done
broadcaster=""
for p in $pids; do [[ ${name[$p]} == broadcast ]] && broadcaster=$p; done
if [[ $threads == 1 && -n $broadcaster ]]; then
  declare -A tbefore
  for t in /proc/$broadcaster/task/*; do tbefore[${t##*/}]=$(awk '{print $14 + $15}' "$t/stat"); done
fi
sleep "$seconds"
total=0
for p in $pids; do
  d=$(( $(ticks "$p") - before[$p] ))
  total=$((total + d))
  awk -v r="${name[$p]}" -v d="$d" -v s="$seconds" -v hz="$hz" 'BEGIN{printf "RESULT idle_cpu_pct %-10s %5.2f\n", r, 100 * d / hz / s}'
done
awk -v d="$total" -v s="$seconds" -v hz="$hz" 'BEGIN{printf "RESULT idle_cpu_pct %-10s %5.2f  (%% of one core over %d s)\n", "total", 100 * d / hz / s, s}'
if [[ $threads == 1 && -n $broadcaster ]]; then
  echo "broadcaster threads (CPU ticks of 1/$hz s over $seconds s):"
  for t in /proc/$broadcaster/task/*; do
    id=${t##*/}; d=$(( $(awk '{print $14 + $15}' "$t/stat") - ${tbefore[$id]:-0} ))
    (( d > 0 )) && echo "  $d $(cat "$t/comm")"
  done | sort -rn
fi
