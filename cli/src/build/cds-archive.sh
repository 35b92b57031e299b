#!/usr/bin/env bash
# Builds the class-data-sharing archive bin/teefs starts every JVM with (cli/target/teefs.jsa): the classes one run of
# `teefs cds-training` loads (each role's start-up: options, journal, broadcaster, client, apply, libc and libfuse
# bindings), parsed, verified and laid out once, then mapped in by each start. `teefs status` took 0.67 CPU-s with it
# against 1.1 without on the development VM. Run by `mvn package` (cli/pom.xml); never fails the build: without an
# archive (or with one that no longer matches the JDK or the jars) Java starts as before, silently.
# Usage: cli/src/build/cds-archive.sh TEEFS_LAUNCHER ARCHIVE
launcher=$1 archive=$2
list="$archive.classlist" tmp="$archive.$$.tmp"
rm -f "$archive" "$list"
export TEEFS_NO_CDS=1   # the launcher must not map an archive while one is made
if ! TEEFS_JAVA_OPTS="-XX:DumpLoadedClassList=$list" "$launcher" cds-training > /dev/null 2>&1 || [[ ! -s "$list" ]]; then
  echo "teefs: no class-data-sharing archive (the training run failed); JVMs start without it" >&2
  rm -f "$list"; exit 0
fi
if TEEFS_JAVA_OPTS="-Xshare:dump -XX:SharedClassListFile=$list -XX:SharedArchiveFile=$tmp -Xlog:cds=off -Xlog:cds+dynamic=off" \
    "$launcher" cds-training > "$archive.log" 2>&1 && [[ -s "$tmp" ]]; then
  mv -f "$tmp" "$archive"
else
  echo "teefs: no class-data-sharing archive (java -Xshare:dump failed: see $archive.log); JVMs start without it" >&2
  rm -f "$tmp"
fi
rm -f "$list"
exit 0
