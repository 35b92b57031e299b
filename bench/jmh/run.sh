#!/usr/bin/env bash
# Builds the JMH benchmarks and runs them with the JVM flags every teefs JVM uses (teefs.jvm.opens in the root pom).
# Usage: bench/jmh/run.sh [JMH options]   e.g.  bench/jmh/run.sh -wi 2 -i 3 -f 1 -w 1 -r 2 RecordCodec
# Prints JMH's table, then the same scores as bytes per second for the benchmarks that carry data.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
mvn -q -o -pl bench/jmh -am package -DskipTests

# the flags, read from the root pom so there is one source of truth
opens="$(sed -n 's:.*<teefs.jvm.opens>\(.*\)</teefs.jvm.opens>.*:\1:p' pom.xml)"
props="$(sed -n 's:.*<teefs.jvm.props>\(.*\)</teefs.jvm.props>.*:\1:p' pom.xml)"
if [[ -z "$opens" ]]; then
  echo "run.sh: teefs.jvm.opens not found in $root/pom.xml" >&2
  exit 1
fi
cp="$here/target/classes:$(cat "$here/target/classpath.txt")"
csv="$(mktemp -t teefs-jmh.XXXXXX.csv)"
trap 'rm -f "$csv"' EXIT

# shellcheck disable=SC2086  # the flag strings are lists
java $opens $props -cp "$cp" org.openjdk.jmh.Main -jvmArgsAppend "$opens $props" -rf csv -rff "$csv" "$@"

echo
echo "Throughput in bytes of data per second (score x dataLength):"
awk -F, 'NR > 1 {
    gsub(/"/, "");
    name = $1; sub(/.*\./, "", name);
    if (name ~ /Write/ && $8 != "") printf "  %-16s dataLength=%-7s %8.2f GB/s\n", name, $8, $5 * $8 / 1e9;
}' "$csv"
