# Sourced by the benchmarks that run the whole pipeline: `teefs up` with its default layout (journal, broadcaster,
# disk1 and disk2) in a scratch directory, plain output as under systemd, stopped when the script exits.
start_up() { # TEEFS WORKDIR: wipes WORKDIR, starts teefs up there (cd's into it), returns once both mirrors are connected
  local teefs=$1 work=$2
  if mountpoint -q "$work/teefs-data/mount" 2>/dev/null; then fusermount -u -z "$work/teefs-data/mount"; fi
  chattr -i "$work/teefs-data/mount" 2>/dev/null || true
  rm -rf "$work"; mkdir -p "$work"; cd "$work"
  "$teefs" up --plain > up.log 2>&1 &
  up_pid=$!
  trap stop_up EXIT
  for _ in $(seq 300); do grep -q "disk2 connected" up.log 2>/dev/null && grep -q "disk1 connected" up.log && break; sleep 0.2; done
  grep -q "disk2 connected" up.log || { cat up.log; exit 1; }
}
stop_up() { # SIGTERM to teefs up, and wait for it to stop its roles and unmount
  [[ -n "${up_pid:-}" ]] && kill "$up_pid" 2>/dev/null && wait "$up_pid" 2>/dev/null || true
}
