#!/usr/bin/env bash
# Broadcast benchmark: throughput to 1, 4 and 16 clients on loopback TCP (and a Unix socket) against raw loopback
# TCP measured by iperf3 in the same run, alternating A B A B; then append-to-delivery latency at a steady 100 MB/s.
# Usage: bench/broadcast/run.sh [ROUNDS=3] [MIB=2048]  (needs: mvn offline build of broadcast-server, iperf3)
#        MIB per client per pass: at 512 a pass to one client lasted 0.2-0.3 s, short enough for one scheduling
#        hiccup of a 2-vCPU VM to decide it (passes of one run spread 1,535-1,929 MB/s); 2048 takes about 10 min.
# Environment: CLIENTS="1 4 16" (client counts to run), LATENCY=1 (0 skips the latency rounds), CEILING=1 (0 skips
#              the one-stream ceiling without teefs: LoopbackCeiling.java, sendfile to a reader with and without CRC32C),
#              BENCH_JAVA_OPTS (extra JVM flags for BroadcastBench, e.g. -Dteefs.netty.nio=true), PASSES=3 (timed
#              throughput passes per run, each printed; every run first streams untimed for at least 3 s, so that the
#              JIT has settled: -Dwarmup.seconds=S changes that)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
rounds="${1:-3}"; mib="${2:-2048}"
work="$(mktemp -d /tmp/teefs-bench.XXXXXX)"; trap 'kill "${iperf_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$root"
# build, then snapshot our modules' classes: other builds in the tree may rewrite target/ while the benchmark runs
for attempt in 1 2 3 4 5; do
  mvn -B -q -o -pl broadcast-server -am compile dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null 2>&1 || true
  if [[ -f protocol/target/classes/teefs/protocol/control/StartMode.class && -f queue/target/classes/teefs/queue/JournalQueue.class
        && -f broadcast-server/target/classes/teefs/broadcast/server/BroadcastServer.class && -s "$work/cp.txt" ]]; then
    mkdir -p "$work/snap"
    for m in protocol queue broadcast-server; do cp -r "$m/target/classes" "$work/snap/$m"; done
    break
  fi
  sleep 10
done
[[ -d "$work/snap/broadcast-server" ]] || { echo "build failed: run mvn -o -pl broadcast-server -am compile" >&2; exit 1; }
cp="$work/snap/broadcast-server:$(sed "s#$root/protocol/target/classes#$work/snap/protocol#; s#$root/queue/target/classes#$work/snap/queue#" "$work/cp.txt")"
mkdir -p "$work/classes"
javac -d "$work/classes" -cp "$cp" "$here/src/BroadcastBench.java" "$here/src/LoopbackCeiling.java"
jvm=(--add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
     --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
     --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
     --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -Dchronicle.analytics.disable=true
     -Dchronicle.announcer.disable=true -Dchronicle.disk.monitor.disable=true
     -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Xmx1g)
bench() { timeout 300 java "${jvm[@]}" ${BENCH_JAVA_OPTS:-} -cp "$work/classes:$cp" BroadcastBench "$@" > "$work/out" 2>&1 || true
           grep RESULT "$work/out" || { echo "FAILED: BroadcastBench $*"; tail -5 "$work/out"; }; }

iperf3 -s -p 5299 >/dev/null 2>&1 & iperf_pid=$!
sleep 0.5
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(uname -r), $mib MiB of 64 KiB records per run, $rounds rounds, load $(cut -d" " -f1-3 /proc/loadavg)"
passes="-Dpasses=${PASSES:-3} ${BENCH_JAVA_OPTS:-}"   # the throughput runs' JVM flags
for round in $(seq 1 "$rounds"); do
  for n in ${CLIENTS:-1 4 16}; do
    gbps=$(iperf3 -c 127.0.0.1 -p 5299 -t 3 -P "$n" -J | python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/8e6))')
    echo "RESULT iperf3 round=$round streams=$n aggregate_MBps=$gbps"
    BENCH_JAVA_OPTS="$passes" bench throughput "$work/q" tcp://127.0.0.1:0 "$n" "$mib" 64 \
      | sed "s/^RESULT /RESULT round=$round tcp /"
    BENCH_JAVA_OPTS="$passes" bench throughput "$work/q" "unix:$work/s.sock" "$n" "$mib" 64 \
      | sed "s/^RESULT /RESULT round=$round unix /"
    if [[ "$n" == 1 && "${CEILING:-1}" == 1 ]]; then
      # what any validating receiver can reach here: sendfile to a Java reader, with and without CRC32C of each byte
      for mode in plain crc; do
        timeout 120 java -Xmx256m -cp "$work/classes" LoopbackCeiling "$mode" "$work/ceiling.dat" "$mib" \
          | sed "s/^RESULT /RESULT round=$round /" || echo "FAILED: LoopbackCeiling $mode"
      done
    fi
  done
done
[[ "${LATENCY:-1}" == 0 ]] && exit 0
for round in $(seq 1 "$rounds"); do
  rm -rf "$work/lq"
  bench latency "$work/lq" tcp://127.0.0.1:0 100 10 16 | sed "s/^RESULT /RESULT round=$round /"
done
